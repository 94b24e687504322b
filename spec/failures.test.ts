/**
 * The contract suite's failure cases: host-name targets, garbage and truncated records
 * from a peer, and the handshake timeout (certificate rejections: certificates.test.ts). Every failure must be a
 * typed error (a TLSServiceError subclass), never a crash, never a hang.
 */
import test from 'ava';
import { Connection } from '../src/connection.js';
import {
  CertificateVerificationError,
  HandshakeTimeoutError,
  TLSAlertError,
  TLSServiceError,
} from '../src/errors.js';
import type { RawConnection } from '../src/raw-connection.js';
import type { ClientConfiguration, ServerConfiguration } from '../src/configuration.js';
import { wrongHost } from '../test/fixtures/certs.js';
import { clientOptions, connectedPair, pattern, rawPair, serverOptions, settle, within } from './harness.js';
import { isTls12, pairings, pairingTitle, type Pairing } from './pairings.js';


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

/** Reads from a raw connection until end, error or `ms`, so the peer's goodbye cannot hang a test. */
async function drain(raw: RawConnection, ms = 5_000): Promise<void> {
  await within(
    ms,
    (async () => {
      for (;;) if ((await raw.receiveBytes(65536)).length === 0) return;
    })().catch(() => undefined),
    'drain',
  );
}

for (const pairing of pairings) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;
  if (!pairing.tls) {
    const why = '(skipped: no TLS, nothing to verify or to frame)';
    for (const name of ['garbage and truncated records', 'handshake timeout']) {
      test.skip(title(`${name} ${why}`), () => {});
    }
    continue;
  }

  test(title('an IP-address target is checked against the iPAddress SANs, never skipped'), async (t) => {
    const [wrong] = await handshakeOutcome(pairing, wrongHost, { servername: '127.0.0.1' });
    t.false(wrong.ok, 'a certificate without 127.0.0.1 must be refused for 127.0.0.1');
    if (wrong.ok) await wrong.value.close();
    else {
      t.true(wrong.error instanceof CertificateVerificationError, String(wrong.error));
      if (wrong.error instanceof CertificateVerificationError) {
        t.is(wrong.error.reason, 'hostname_mismatch');
        t.is(wrong.error.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
      }
    }
    const [right, serverSide] = await handshakeOutcome(pairing, {}, { servername: '127.0.0.1' });
    t.true(right.ok, right.ok ? '' : String(right.error));
    if (serverSide.ok) t.is(serverSide.value.negotiated.servername, undefined, 'an IP literal is never sent as SNI');
    for (const side of [right, serverSide]) if (side.ok) await side.value.close();
  });

  test(title('without a servername the client still checks a name (localhost, as node:tls)'), async (t) => {
    const [client, serverSide] = await handshakeOutcome(pairing, wrongHost, { servername: undefined });
    t.false(client.ok, 'a certificate for other.example must be refused when no name was given');
    for (const side of [client, serverSide]) if (side.ok) await side.value.close();
  });

  test(title('garbage instead of a ClientHello: the server fails typed'), async (t) => {
    const [clientRaw, serverRaw] = await rawPair(pairing.transport);
    const server = settle(Connection.fromClient(serverRaw, { ...serverOptions, service: pairing.server.create() }));
    await clientRaw.sendBytes(pattern(300, 11));
    const outcome = await within(10_000, server, 'server negotiate');
    t.false(outcome.ok);
    if (!outcome.ok) t.true(outcome.error instanceof TLSServiceError, String(outcome.error));
    await drain(clientRaw);
    await clientRaw.close();
  });

  test(title('a truncated ClientHello then FIN: the server fails typed'), async (t) => {
    const [clientRaw, serverRaw] = await rawPair(pairing.transport);
    const server = settle(Connection.fromClient(serverRaw, { ...serverOptions, service: pairing.server.create() }));
    await clientRaw.sendBytes([Uint8Array.of(22, 3, 1, 0x02, 0x00, 1, 0, 1, 0xfc, 3, 3), pattern(20, 12)]);
    await clientRaw.close();
    const outcome = await within(10_000, server, 'server negotiate');
    t.false(outcome.ok);
    if (!outcome.ok) t.true(outcome.error instanceof TLSServiceError, String(outcome.error));
  });

  for (const [name, reply] of [
    ['garbage', [pattern(500, 13)]],
    ['a truncated record then FIN', [Uint8Array.of(22, 3, 3, 0x01, 0x00, 2, 0, 0, 0x50, 3, 3), pattern(30, 14)]],
  ] as const) {
    test(title(`${name} instead of a ServerHello: the client fails typed`), async (t) => {
      const [clientRaw, serverRaw] = await rawPair(pairing.transport);
      const client = settle(Connection.toServer(clientRaw, { ...clientOptions, service: pairing.client.create() }));
      const hello = await serverRaw.receiveBytes(65536);
      t.true(hello.length > 0);
      await serverRaw.sendBytes(reply);
      await serverRaw.close();
      const outcome = await within(10_000, client, 'client negotiate');
      t.false(outcome.ok);
      if (!outcome.ok) t.true(outcome.error instanceof TLSServiceError, String(outcome.error));
    });
  }

  test(title('a forged record after the handshake: the reader fails with an alert it sent'), async (t) => {
    const { client, server } = await connectedPair(pairing);
    await server.rawConnection.sendBytes([Uint8Array.of(23, 3, 3, 0, 40), pattern(40, 15)]);
    const outcome = await within(10_000, settle(client.receiveBytes(100)), 'client read');
    t.false(outcome.ok);
    if (!outcome.ok) {
      t.true(outcome.error instanceof TLSAlertError, String(outcome.error));
      if (outcome.error instanceof TLSAlertError) {
        t.is(outcome.error.direction, 'sent');
        // Known gap: OpenSSL at TLS 1.2 reports a forged GCM record as "cipher operation failed", which the node-tls adapter maps to internal_error.
        const nodeClientAtTls12 = pairing.client.name.startsWith('node-tls') && isTls12(pairing);
        if (!nodeClientAtTls12) t.is(outcome.error.alert, 'bad_record_mac', outcome.error.message);
      }
    }
    await settle(client.close());
    await settle(server.close());
  });

  test(title('handshake timeout: a silent server gives HandshakeTimeoutError'), async (t) => {
    const [clientRaw, serverRaw] = await rawPair(pairing.transport);
    const started = Date.now();
    // The guard is far below the 30 s default, so the configured 300 ms is what fired; the
    // guard is generous because a loaded machine delays timers (assert behaviour, not speed).
    const outcome = await within(
      15_000,
      settle(Connection.toServer(clientRaw, { ...clientOptions, handshakeTimeout: 300, service: pairing.client.create() })),
      'timeout',
    );
    t.false(outcome.ok);
    if (!outcome.ok) t.true(outcome.error instanceof HandshakeTimeoutError, String(outcome.error));
    t.true(Date.now() - started >= 250, 'not before the configured timeout');
    // The raw connection was torn down: the silent server sees the end.
    await drain(serverRaw);
    await serverRaw.close();
  });
}
