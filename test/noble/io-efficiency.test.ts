/**
 * The headline: "handshake, one byte each way, close_notify both ways" between two
 * NobleTLSServices over counted in-memory connections costs at most 12 IO calls over
 * both ends (rustls needs 20, OpenSSL and s2n-tls 41). Prints the trace.
 */
import test, { type ExecutionContext } from 'ava';
import { memoryPair } from '../../src/raw/memory.js';
import { CountingRawConnection } from '../../src/raw/counting.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { caPem, serverIdentity } from './fixtures.js';

function counted() {
  const [a, b] = memoryPair();
  return { clientRaw: new CountingRawConnection(a), serverRaw: new CountingRawConnection(b) };
}

function report(t: { log: (...v: unknown[]) => void }, clientRaw: CountingRawConnection, serverRaw: CountingRawConnection): number {
  const total = clientRaw.calls.length + serverRaw.calls.length;
  t.log(['client:', ...clientRaw.trace('  client'), 'server:', ...serverRaw.trace('  server'), `total io calls: ${total}`].join('\n'));
  return total;
}

/** The rest of the scenario once the client's byte (0x41) is sent: the server reads it and answers 0x42, then close_notify both ways. */
async function byteBackAndClose(t: ExecutionContext, client: NobleTLSService, server: NobleTLSService): Promise<void> {
  t.deepEqual(await server.receiveBytes(1), Uint8Array.of(0x41));
  await server.sendBytes(Uint8Array.of(0x42));
  t.deepEqual(await client.receiveBytes(1), Uint8Array.of(0x42));
  await client.close();
  t.is((await server.receiveBytes(1)).length, 0);
  await server.close();
}

test('handshake + one byte each way + close_notify both ways: at most 12 IO calls', async (t) => {
  const { clientRaw, serverRaw } = counted();
  const client = new NobleTLSService();
  const server = new NobleTLSService();
  const serverReady = server.negotiateAsServer(serverRaw, serverIdentity('ecdsa'));
  await client.negotiateAsClient(clientRaw, { ca: caPem, servername: 'localhost' });
  await client.sendBytes(Uint8Array.of(0x41));
  await serverReady;
  await byteBackAndClose(t, client, server);
  const total = report(t, clientRaw, serverRaw);
  t.true(total <= 12, `${total} IO calls`);
  // The client's Finished and its first byte left in one write; so did the server's ticket and its byte.
  t.is(clientRaw.writes.length, 3);
  t.is(serverRaw.writes.length, 3);
});

test('awaiting both handshakes together sends the Finished and the tickets alone: 15 calls', async (t) => {
  const { clientRaw, serverRaw } = counted();
  const client = new NobleTLSService();
  const server = new NobleTLSService();
  await Promise.all([
    client.negotiateAsClient(clientRaw, { ca: caPem, servername: 'localhost' }),
    server.negotiateAsServer(serverRaw, serverIdentity('ecdsa')),
  ]);
  await client.sendBytes(Uint8Array.of(1));
  t.deepEqual(await server.receiveBytes(1), Uint8Array.of(1));
  await server.sendBytes(Uint8Array.of(2));
  t.deepEqual(await client.receiveBytes(1), Uint8Array.of(2));
  await client.close();
  t.is((await server.receiveBytes(1)).length, 0);
  await server.close();
  const total = report(t, clientRaw, serverRaw);
  // The server's handshake needs the client's Finished, which cannot wait for data that
  // comes only after both handshakes resolve; it leaves on its own (one setImmediate later).
  // So do the server's tickets: no write comes in the turn its handshake completes, and
  // nothing queued after the handshake is held for a later write (a write and a read more).
  t.true(total <= 15, `${total} IO calls`);
  t.is(serverRaw.writes.length, 4, 'flight, tickets, reply, close_notify');
});

test('TLS 1.2: the client flight ClientKeyExchange, ChangeCipherSpec, Finished and its first byte (earlyData) are one write (RFC 5246 section 7.3, RFC 7918)', async (t) => {
  const { clientRaw, serverRaw } = counted();
  const client = new NobleTLSService();
  const server = new NobleTLSService();
  const serverReady = server.negotiateAsServer(serverRaw, serverIdentity('ecdsa'));
  await client.negotiateAsClient(clientRaw, { ca: caPem, servername: 'localhost', maxVersion: 'TLSv1.2', earlyData: Uint8Array.of(0x41) });
  t.is(client.negotiated.protocol, 'TLSv1.2');
  await serverReady;
  await byteBackAndClose(t, client, server);
  const total = report(t, clientRaw, serverRaw);
  t.is(clientRaw.writes.length, 3, 'ClientHello; ClientKeyExchange + ChangeCipherSpec + Finished + data; close_notify');
  // ServerHello .. ServerHelloDone; ChangeCipherSpec + Finished; reply; close_notify.
  t.is(serverRaw.writes.length, 4);
  t.true(total <= 13, `${total} IO calls`);
});

test('TLS 1.2 resumed (RFC 5077): ServerHello + ChangeCipherSpec + Finished are one write, the client\'s ChangeCipherSpec + Finished leave with its first byte: 11 calls', async (t) => {
  const ticketKeys = new Uint8Array(48).fill(9);
  const serverConfig = { ...serverIdentity('ecdsa'), ticketKeys };
  const clientConfig = { ca: caPem, servername: 'localhost', maxVersion: 'TLSv1.2' } as const;
  // A full handshake for the ticket.
  const first = counted();
  const firstServer = new NobleTLSService();
  const firstClient = new NobleTLSService();
  const firstReady = firstServer.negotiateAsServer(first.serverRaw, serverConfig);
  await firstClient.negotiateAsClient(first.clientRaw, clientConfig);
  await firstReady;
  const session = firstClient.getSession();
  t.truthy(session);
  await Promise.all([firstClient.close(), firstServer.close()]);

  const { clientRaw, serverRaw } = counted();
  const client = new NobleTLSService();
  const server = new NobleTLSService();
  const serverReady = server.negotiateAsServer(serverRaw, serverConfig);
  await client.negotiateAsClient(clientRaw, { ...clientConfig, session, earlyData: Uint8Array.of(0x41) });
  t.true(client.isSessionReused());
  await serverReady;
  t.true(server.isSessionReused());
  await byteBackAndClose(t, client, server);
  const total = report(t, clientRaw, serverRaw);
  t.is(clientRaw.writes.length, 3, 'ClientHello; ChangeCipherSpec + Finished + data; close_notify');
  t.is(serverRaw.writes.length, 3, 'ServerHello + ChangeCipherSpec + Finished; reply; close_notify');
  t.true(total <= 11, `${total} IO calls`);
});
