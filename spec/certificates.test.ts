/**
 * The contract suite's certificate failures: every bad certificate of
 * certificate-cases.ts, on every TLS pairing, in both roles. Each must fail as a
 * CertificateVerificationError with the same reason, Node's code and alert on every
 * backend; for server certificates the server must receive that alert.
 */
import test, { type ExecutionContext } from 'ava';
import { Connection } from '../src/connection.js';
import { CertificateVerificationError, TLSAlertError } from '../src/errors.js';
import type { ClientConfiguration, ServerConfiguration } from '../src/configuration.js';
import { type CertificateCase, clientCertificateCases, requiringClientCertificate, serverCertificateCases, specTrust } from './certificate-cases.js';
import { clientOptions, rawPair, serverOptions, settle, within } from './harness.js';
import { pairings, pairingTitle, type Pairing } from './pairings.js';

/** Handshakes in flight at once: hundreds of cases must not starve each other on two cores. */
const MAX_CONCURRENT_HANDSHAKES = 4;
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(run: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HANDSHAKES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Asserts the one error model: class, reason, Node's code and the alert, whatever the backend. */
function assertCertificateError(t: ExecutionContext, error: unknown, expected: CertificateCase): void {
  t.true(error instanceof CertificateVerificationError, `expected CertificateVerificationError, got ${String(error)}`);
  if (!(error instanceof CertificateVerificationError)) return;
  t.is(error.reason, expected.reason, error.message);
  t.is(error.code, expected.code, error.message);
  t.is(error.alert, expected.alert);
  if (expected.message) t.regex(error.message, expected.message);
}

/** Negotiates with the server presenting `server` and returns both outcomes. */
async function handshakeOutcome(pairing: Pairing, server: ServerConfiguration, client: ClientConfiguration = {}) {
  const [clientRaw, serverRaw] = await rawPair(pairing.transport);
  return within(
    10_000,
    Promise.all([
      settle(Connection.toServer(clientRaw, { ...clientOptions, ...client, service: pairing.client.create() })),
      settle(Connection.fromClient(serverRaw, { ...serverOptions, ...server, service: pairing.server.create() })),
    ]),
    'handshake outcome',
  );
}

for (const pairing of pairings) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;
  if (!pairing.tls) {
    test.skip(title('certificate failures (skipped: no TLS, nothing to verify)'), () => {});
    continue;
  }

  for (const bad of serverCertificateCases) {
    test(title(`server certificate, ${bad.name}: the client fails with ${bad.reason}, the server receives ${bad.alert}`), async (t) => {
      const [client, serverSide] = await slot(() => handshakeOutcome(pairing, bad.presented, bad.verifier));
      if (client.ok || serverSide.ok) {
        for (const side of [client, serverSide]) if (side.ok) await side.value.close();
        return t.fail('neither side may complete the handshake');
      }
      assertCertificateError(t, client.error, bad);
      // The server's negotiate rejects with the client's alert (direction 'received'),
      // which node-tls sends in place of its Finished.
      const serverError = serverSide.error;
      t.true(serverError instanceof TLSAlertError, String(serverError));
      if (serverError instanceof TLSAlertError) {
        t.is(serverError.direction, 'received');
        t.is(serverError.alert, bad.alert, 'the RFC 8446 alert for this failure');
      }
    });
  }

  for (const bad of clientCertificateCases) {
    test(title(`client certificate, ${bad.name}: the server fails with ${bad.reason}`), async (t) => {
      const [client, serverSide] = await slot(() => handshakeOutcome(pairing, requiringClientCertificate(bad.verifier), { ...specTrust, ...bad.presented }));
      if (client.ok) await client.value.close();
      t.false(serverSide.ok, 'the server must not accept the client certificate');
      if (serverSide.ok) return void (await serverSide.value.close());
      assertCertificateError(t, serverSide.error, bad);
    });
  }
}
