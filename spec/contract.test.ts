/**
 * The backend-agnostic contract suite: data-path behaviour every TLSService must show,
 * run for every pairing in pairings.ts. Titles start with `[client x server / transport]`.
 * The heavy cases (16 MiB each way, 100 connections) are in load.test.ts, run serially.
 */
import test from 'ava';
import { ConnectionClosedError } from '../src/errors.js';
import { concatBytes } from '../src/raw-connection.js';
import { connectedPair, pattern, readAll, within } from './harness.js';
import { isTls12, pairings, pairingTitle } from './pairings.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The no-hang guard on the first handshake of each pairing. Every test of this file starts
 * at once (some 170 handshakes, many on the pure-TS provider), so on 2 loaded cores the
 * first ones can take well over 10 s; a hang still fails here, before ava's 60 s timeout.
 */
const HANDSHAKE_GUARD_MS = 45_000;

for (const pairing of pairings) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;

  test(title('handshake and echo'), async (t) => {
    // Generous (HANDSHAKE_GUARD_MS): every pairing's tests start at once, and the machine may be shared.
    const { client, server } = await within(HANDSHAKE_GUARD_MS, connectedPair(pairing), 'handshake');
    t.is<string, string>(client.negotiated.backend, pairing.client.backend ?? pairing.client.name);
    t.is<string, string>(server.negotiated.backend, pairing.server.backend ?? pairing.server.name);
    t.is(client.negotiated.cryptoProvider, pairing.client.cryptoProvider);
    t.is(server.negotiated.cryptoProvider, pairing.server.cryptoProvider);
    if (pairing.tls) {
      t.regex(client.negotiated.protocol, /^TLSv1\.[23]$/);
      t.is(client.negotiated.protocol, server.negotiated.protocol);
      // A pairing with an end pinned to TLS 1.2 negotiates it (RFC 8446 section 4.2.1); the others TLS 1.3.
      t.is(client.negotiated.protocol, isTls12(pairing) ? 'TLSv1.2' : 'TLSv1.3');
      t.is(client.negotiated.cipherSuite, server.negotiated.cipherSuite);
      t.true(client.negotiated.peerCertificates.length >= 1, 'the client sees the server certificate');
    } else {
      t.is(client.negotiated.protocol, 'none');
    }
    await client.sendBytes(encoder.encode('ping'));
    const request = await server.receiveBytes(100);
    await server.sendBytes([encoder.encode('echo: '), request]);
    t.is(decoder.decode(await readAll(client, 10)), 'echo: ping');
    await client.close();
    await server.close();
  });

  test(title('a vectored send arrives as the concatenation'), async (t) => {
    const { client, server } = await connectedPair(pairing);
    const pieces = [pattern(1, 3), new Uint8Array(0), pattern(5000, 4), pattern(20_000, 5), pattern(3, 6)];
    const expected = concatBytes(pieces);
    await client.sendBytes(pieces);
    await client.sendBytes([]);
    const got = await within(20_000, readAll(server, expected.length), 'vectored read');
    t.true(Buffer.from(got).equals(expected));
    await Promise.all([client.close(), server.close()]);
  });

  test(title('receiveBytes(count) never returns more than count and keeps the rest'), async (t) => {
    const { client, server } = await connectedPair(pairing);
    const message = pattern(3000, 7);
    await client.sendBytes(message);
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const count of [1, 2, 7, 100, 1000, 5000]) {
      if (total >= message.length) break;
      const got = await server.receiveBytes(count);
      t.true(got.length >= 1 && got.length <= count, `asked ${count}, got ${got.length}`);
      parts.push(got.slice());
      total += got.length;
    }
    parts.push(await readAll(server, message.length - total));
    t.true(Buffer.from(concatBytes(parts)).equals(message), 'nothing lost or reordered');
    await Promise.all([client.close(), server.close()]);
  });

  test(title('a clean close gives the peer an empty read after the data'), async (t) => {
    const { client, server } = await connectedPair(pairing);
    await client.sendBytes(encoder.encode('last words'));
    await client.close();
    t.true(client.hasClosed);
    t.is(decoder.decode(await within(10_000, readAll(server), 'read to end')), 'last words');
    const after = await server.receiveBytes(10);
    t.is(after.length, 0, 'end of stream stays end of stream');
    await server.close();
  });

  test(title('use after close rejects with ConnectionClosedError'), async (t) => {
    const { client, server } = await connectedPair(pairing);
    await client.close();
    await client.close(); // idempotent
    await t.throwsAsync(client.sendBytes(encoder.encode('x')), { instanceOf: ConnectionClosedError });
    await t.throwsAsync(client.receiveBytes(1), { instanceOf: ConnectionClosedError });
    // The service itself, not only the Connection, refuses.
    await t.throwsAsync(client.tlsService.sendBytes(encoder.encode('x')), { instanceOf: ConnectionClosedError });
    await t.throwsAsync(client.tlsService.receiveBytes(1), { instanceOf: ConnectionClosedError });
    await server.close();
    await t.throwsAsync(server.tlsService.receiveBytes(1), { instanceOf: ConnectionClosedError });
  });

  if (pairing.tls) {
    test(title('ALPN result visible on both sides'), async (t) => {
      const { client, server } = await connectedPair(pairing);
      t.is(client.negotiated.alpnProtocol, 'http/1.1');
      t.is(server.negotiated.alpnProtocol, 'http/1.1');
      t.is(server.negotiated.servername, 'localhost');
      await Promise.all([client.close(), server.close()]);
    });
  } else {
    test.skip(title('ALPN result visible on both sides (skipped: no TLS, no ALPN)'), () => {});
  }
}
