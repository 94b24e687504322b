/**
 * The contract suite's closing cases (RFC 8446 section 6.1), for every pairing:
 * close_notify ends one direction only (half-close), a transport end without it is a
 * TruncationError, a reset is not a truncation, and the Duplex view's `end()` is the
 * write-only shutdown. Plaintext has no close_notify: there the transport's end is the end.
 * After a fatal alert (RFC 8446 section 6.2) the connection lingers, within limits, so a
 * peer that is still writing reads the alert rather than a reset.
 */
import test from 'ava';
import net from 'node:net';
import { ConnectionClosedError, TruncationError } from '../src/errors.js';
import { LINGER_MS } from '../src/raw/lingering-close.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { Connection, type ConnectionStream } from '../src/connection.js';
import { connectedPair, readAll, serverOptions, settle, within } from './harness.js';
import { pairings, pairingTitle } from './pairings.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (bytes: Uint8Array): string => decoder.decode(bytes);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a stream to its end; resolves with the text, how it ended and any 'truncated' error. */
async function readStream(stream: ConnectionStream): Promise<{ text: string; truncated: unknown }> {
  let truncated: unknown;
  stream.once('truncated', (error: unknown) => (truncated = error));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { text: Buffer.concat(chunks).toString(), truncated };
}

for (const pairing of pairings) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;

  test(title("half-close (RFC 8446 section 6.1): after the client's close_notify the server still sends, the client still reads"), async (t) => {
    const { client, server } = await connectedPair(pairing);
    await client.sendBytes(encoder.encode('question'));
    await client.shutdownWrite();
    await client.shutdownWrite(); // idempotent
    await t.throwsAsync(client.sendBytes(encoder.encode('x')), { instanceOf: ConnectionClosedError });
    t.is(text(await within(10_000, readAll(server), "server reads to the client's close_notify")), 'question');
    await delay(20); // the reply is written well after the peer's close_notify arrived
    await server.sendBytes(encoder.encode('answer'));
    await server.sendBytes(encoder.encode(' and more'));
    await server.shutdownWrite();
    t.is(text(await within(10_000, readAll(client), 'client reads after its own close_notify')), 'answer and more');
    t.is((await client.receiveBytes(10)).length, 0, 'end of stream stays end of stream');
    await Promise.all([client.close(), server.close()]);
  });

  test(title("half-close the other way: after the server's close_notify the client still sends"), async (t) => {
    const { client, server } = await connectedPair(pairing);
    await server.shutdownWrite();
    t.is((await within(10_000, client.receiveBytes(10), "client sees the server's close_notify")).length, 0);
    await delay(20);
    await client.sendBytes(encoder.encode('late words'));
    await client.close();
    t.is(text(await within(10_000, readAll(server), 'server reads after its own close_notify')), 'late words');
    await server.close();
  });

  test(title('Duplex view: end() is the write-only shutdown; the reply still arrives, endedBy says how the peer ended'), async (t) => {
    const { client, server } = await connectedPair(pairing);
    const stream = client.toStream();
    const reading = readStream(stream);
    stream.end('request');
    t.is(text(await within(10_000, readAll(server), 'server reads the request')), 'request');
    await delay(20);
    await server.sendBytes(encoder.encode('response'));
    await server.close();
    const got = await within(10_000, reading, 'client stream read');
    t.is(got.text, 'response');
    t.is(stream.endedBy, pairing.tls ? 'close_notify' : 'end_of_stream');
    t.is(got.truncated, undefined);
  });

  if (pairing.tls) {
    test(title('truncation (RFC 8446 section 6.1): a transport end without close_notify is a TruncationError'), async (t) => {
      const { client, server } = await connectedPair(pairing);
      await server.sendBytes(encoder.encode('partial'));
      await delay(20);
      await server.rawConnection.close(); // FIN without close_notify
      t.is(text(await within(10_000, client.receiveBytes(100), 'client reads the data')), 'partial');
      const outcome = await within(10_000, settle(client.receiveBytes(100)), 'client read at the end');
      t.false(outcome.ok, 'an end without close_notify must not be the empty read');
      if (!outcome.ok) {
        t.true(outcome.error instanceof TruncationError, String(outcome.error));
        t.is((outcome.error as TruncationError).code, 'ERR_TLS_UNEXPECTED_EOF');
      }
      await t.throwsAsync(client.receiveBytes(1), { instanceOf: TruncationError }, 'and stays one');
      await settle(client.close());
      await settle(server.close());
    });

    test(title("truncation: the Duplex view ends as node:tls's does, with endedBy 'truncation' and a 'truncated' event"), async (t) => {
      const { client, server } = await connectedPair(pairing);
      const stream = client.toStream();
      const reading = readStream(stream);
      await server.sendBytes(encoder.encode('cut short'));
      await delay(20);
      await server.rawConnection.close();
      const got = await within(10_000, reading, 'client stream read');
      t.is(got.text, 'cut short');
      t.is(stream.endedBy, 'truncation');
      t.true(got.truncated instanceof TruncationError, String(got.truncated));
      await settle(client.close());
      await settle(server.close());
    });
  } else {
    test(title('plaintext has no close_notify: a transport end is the empty read (truncation cannot be told)'), async (t) => {
      const { client, server } = await connectedPair(pairing);
      await server.sendBytes(encoder.encode('all of it'));
      await server.rawConnection.close();
      t.is(text(await within(10_000, readAll(client), 'client reads to the end')), 'all of it');
      await client.close();
    });
  }

  if (pairing.transport === 'tcp') {
    test(title('a peer that resets the connection: ConnectionClosedError, not a truncation'), async (t) => {
      const { client, server } = await connectedPair(pairing);
      const socket = (client.rawConnection as TCPRawConnection).socket;
      socket.resetAndDestroy();
      const outcome = await within(10_000, settle(readAll(server)), 'server read');
      t.false(outcome.ok, 'a reset is not a clean end');
      if (!outcome.ok) {
        t.true(outcome.error instanceof ConnectionClosedError, String(outcome.error));
        t.false(outcome.error instanceof TruncationError);
      }
      client.abandon();
      await settle(server.close());
    });
  }
}

/** A ClientHello record whose body stops inside the random: every server answers with a fatal decode_error alert. */
const BROKEN_CLIENT_HELLO = Uint8Array.of(22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0);

/** A plain TCP client socket and the server end wrapped as a RawConnection. */
async function tcpClientSocket(): Promise<{ socket: net.Socket; serverRaw: TCPRawConnection }> {
  const listener = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const socket = net.connect({ host: '127.0.0.1', port: (listener.address() as net.AddressInfo).port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const serverRaw = TCPRawConnection.fromSocket(await accepted);
  listener.close();
  return { socket, serverRaw };
}

/** What a client socket saw, in order: data (as bytes), end, error codes, close. */
function observe(socket: net.Socket): { bytes: () => Buffer; events: string[]; closed: Promise<void> } {
  const chunks: Buffer[] = [];
  const events: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    events.push('data');
  });
  socket.on('end', () => events.push('end'));
  socket.on('error', (error: NodeJS.ErrnoException) => events.push(`error ${error.code}`));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { bytes: () => Buffer.concat(chunks), events, closed };
}

const tlsServers = [...new Map(pairings.filter((p) => p.tls && p.transport === 'tcp').map((p) => [p.server.name, p.server])).values()];
for (const backend of tlsServers) {
  const title = (name: string): string => `[raw TCP client x ${backend.name} / tcp] ${name}`;

  test(title('lingering close: a peer still writing (and not yet reading) reads our fatal alert, not a reset'), async (t) => {
    const { socket, serverRaw } = await tcpClientSocket();
    const seen = observe(socket);
    const server = settle(Connection.fromClient(serverRaw, { ...serverOptions, service: backend.create() }));
    // Like a client uploading a body before it reads the answer: it writes on, not reading, for a while.
    socket.pause();
    socket.write(BROKEN_CLIENT_HELLO);
    const writer = setInterval(() => {
      if (!socket.destroyed) socket.write(Buffer.alloc(4096));
    }, 20);
    const outcome = await within(10_000, server, 'server negotiate');
    t.false(outcome.ok);
    await delay(300);
    clearInterval(writer);
    socket.resume();
    socket.end();
    await within(LINGER_MS + 10_000, seen.closed, 'the connection ends');
    const bytes = seen.bytes();
    t.deepEqual([...bytes.subarray(0, 6)], [21, 3, 3, 0, 2, 2], `a fatal alert record arrived first; events: ${seen.events.join(', ')}`);
    t.is(bytes[6], 50, 'decode_error');
    t.false(seen.events.some((e) => e.startsWith('error')), `no reset: ${seen.events.join(', ')}`);
  });

  test(title('lingering close is bounded: a peer that writes on and never ends is cut off within LINGER_MS'), async (t) => {
    const { socket, serverRaw } = await tcpClientSocket();
    const seen = observe(socket);
    const server = settle(Connection.fromClient(serverRaw, { ...serverOptions, service: backend.create() }));
    socket.write(BROKEN_CLIENT_HELLO);
    const writer = setInterval(() => {
      if (!socket.destroyed) socket.write(Buffer.alloc(1024));
    }, 50);
    try {
      await within(10_000, server, 'server negotiate');
      const failedAt = Date.now();
      await within(LINGER_MS + 10_000, seen.closed, 'the lingering close ends');
      t.true(Date.now() - failedAt < LINGER_MS + 10_000);
      t.is(seen.bytes()[0], 21, 'the alert came first');
    } finally {
      clearInterval(writer);
      socket.destroy();
    }
  });
}
