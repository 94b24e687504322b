/**
 * The WebSocket <-> TCP relay in both modes, with TLS end to end through it (our noble
 * engine over a WebSocket on one side, node:tls / our engine over TCP on the other),
 * and its limits: connection limit, idle timeout, per-connection buffering with
 * backpressure in both directions, pairing timeout. The browser runs of the same relay
 * are in test/browser.
 */
import test from 'ava';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { ConnectionClosedError } from '../../src/errors.js';
import { openWebSocket, WebSocketRawConnection, WEBSOCKET_MAX_MESSAGE_BYTES, type WebSocketConstructor } from '../../src/raw/websocket.js';
import { startRelay, type Relay } from '../../src/relay/relay.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { localhostECDSA, testCA } from '../fixtures/certs.js';

const Socket = WebSocket as unknown as WebSocketConstructor;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listening(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function relayTo(t: { teardown(f: () => unknown): void }, port: number, extra: Partial<Parameters<typeof startRelay>[0]> = {}): Promise<Relay> {
  const relay = await startRelay({ listen: 0, target: { to: { host: '127.0.0.1', port } }, ...extra });
  t.teardown(() => relay.close());
  return relay;
}

/** Waits until `value()` has not changed for `quietMs` (a sender that is stuck on backpressure). */
async function settled(value: () => number, quietMs = 400): Promise<number> {
  let last = value();
  for (;;) {
    await sleep(quietMs);
    const now = value();
    if (now === last) return now;
    last = now;
  }
}

test('--to: RFC 8446 TLS 1.3 end to end from a WebSocket client through the relay to a node:tls server', async (t) => {
  const server = tls.createServer({ ...localhostECDSA, minVersion: 'TLSv1.3' }, (socket) => {
    socket.on('data', (data: Buffer) => socket.write(`echo ${data.toString()}`));
    socket.on('end', () => socket.end());
  });
  t.teardown(() => server.close());
  const relay = await relayTo(t, await listening(server));
  const raw = await openWebSocket(Socket, `ws://127.0.0.1:${relay.port}/`);
  const service = new NobleTLSService();
  await service.negotiateAsClient(raw, { ca: testCA, servername: 'localhost' });
  t.is(service.negotiated.protocol, 'TLSv1.3');
  await service.sendBytes(text('through the relay'));
  t.is(str(await service.receiveBytes(1000)), 'echo through the relay');
  t.is(relay.connections.size, 1);
  await service.close();
  while (relay.connections.size > 0) await sleep(20);
});

test('--expose: a TCP TLS client reaches a TLS server that connected to the relay over WebSockets', async (t) => {
  const relay = await startRelay({ listen: 0, target: { expose: 0 } });
  t.teardown(() => relay.close());
  // The "browser": a control socket, and per accepted connection a data socket running our server.
  const control = new WebSocket(`ws://127.0.0.1:${relay.port}/listen`);
  await once(control, 'open');
  t.teardown(() => control.terminate());
  const served: Promise<string>[] = [];
  control.on('message', (data: Buffer) => {
    const { accept } = JSON.parse(data.toString()) as { accept: string };
    served.push(
      (async () => {
        const raw = await openWebSocket(Socket, `ws://127.0.0.1:${relay.port}/accept/${accept}`);
        const service = new NobleTLSService();
        await service.negotiateAsServer(raw, { cert: localhostECDSA.cert, key: localhostECDSA.key });
        const request = str(await service.receiveBytes(1000));
        await service.sendBytes(text(`served ${request}`));
        await service.close();
        return request;
      })(),
    );
  });
  await sleep(50); // the control socket is registered once its upgrade completed
  const client = tls.connect({ host: '127.0.0.1', port: relay.exposedPort!, ca: testCA, servername: 'localhost' });
  await once(client, 'secureConnect');
  t.is(client.getProtocol(), 'TLSv1.3');
  client.write('hello');
  const [answer] = (await once(client, 'data')) as [Buffer];
  t.is(answer.toString(), 'served hello');
  t.deepEqual(await Promise.all(served), ['hello']);
  client.destroy();
});

test('--expose: a TCP client is refused while no server listens, and dropped when the server never accepts it', async (t) => {
  const relay = await startRelay({ listen: 0, target: { expose: 0 }, pairingTimeoutMs: 300 });
  t.teardown(() => relay.close());
  const early = net.connect({ host: '127.0.0.1', port: relay.exposedPort! });
  early.on('error', () => undefined);
  await once(early, 'close');
  const control = new WebSocket(`ws://127.0.0.1:${relay.port}/listen`);
  await once(control, 'open');
  t.teardown(() => control.terminate());
  await sleep(50);
  const offers: string[] = [];
  control.on('message', (data: Buffer) => offers.push(data.toString())); // never accepted
  const late = net.connect({ host: '127.0.0.1', port: relay.exposedPort! });
  late.on('error', () => undefined);
  await once(late, 'close');
  t.is(offers.length, 1);
  // A second control socket is refused while one listens.
  const second = new WebSocket(`ws://127.0.0.1:${relay.port}/listen`);
  second.on('error', () => undefined);
  const [, response] = (await once(second, 'unexpected-response')) as [unknown, { statusCode: number }];
  t.is(response.statusCode, 409);
  second.terminate();
});

test('connection limit: the WebSocket past maxConnections is refused with 503', async (t) => {
  const server = net.createServer((socket) => socket.on('data', () => undefined));
  t.teardown(() => server.close());
  const relay = await relayTo(t, await listening(server), { maxConnections: 2 });
  const open = await Promise.all([1, 2].map(() => openWebSocket(Socket, `ws://127.0.0.1:${relay.port}/`)));
  while (relay.connections.size < 2) await sleep(20);
  const third = new WebSocket(`ws://127.0.0.1:${relay.port}/`);
  third.on('error', () => undefined);
  const [, response] = (await once(third, 'unexpected-response')) as [unknown, { statusCode: number }];
  t.is(response.statusCode, 503);
  third.terminate();
  for (const raw of open) raw.destroy();
});

test('idle timeout: a connection with no traffic is dropped on both sides', async (t) => {
  let tcpClosed: Promise<unknown> | undefined;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
    tcpClosed = once(socket, 'close');
  });
  t.teardown(() => server.close());
  const relay = await relayTo(t, await listening(server), { idleTimeoutMs: 300 });
  const raw = await openWebSocket(Socket, `ws://127.0.0.1:${relay.port}/`);
  await raw.sendBytes(text('x')); // traffic restarts the clock; then silence
  await t.throwsAsync(raw.receiveBytes(10), { instanceOf: ConnectionClosedError });
  await tcpClosed;
  while (relay.connections.size > 0) await sleep(20);
  t.pass();
});

test('backpressure WebSocket -> TCP: a TCP peer that does not read stops the WebSocket sender; the relay holds at most its cap', async (t) => {
  let peer: net.Socket | undefined;
  const server = net.createServer((socket) => {
    socket.pause();
    peer = socket;
  });
  t.teardown(() => server.close());
  const bufferBytes = 64 * 1024;
  const relay = await relayTo(t, await listening(server), { bufferBytes });
  const client = new WebSocket(`ws://127.0.0.1:${relay.port}/`);
  await once(client, 'open');
  const total = 48 * WEBSOCKET_MAX_MESSAGE_BYTES; // more than loopback's kernel buffers hold
  for (let i = 0; i < 48; i++) client.send(new Uint8Array(WEBSOCKET_MAX_MESSAGE_BYTES).fill(i));
  while (relay.connections.size === 0) await sleep(20);
  const [relayed] = [...relay.connections];
  const moved = await settled(() => relayed!.moved.toTCP);
  t.true(moved < total, `moved ${moved} of ${total}`);
  t.true(relayed!.bufferedBytes <= bufferBytes + WEBSOCKET_MAX_MESSAGE_BYTES, `relay buffers ${relayed!.bufferedBytes}`);
  t.true(client.bufferedAmount > 0, 'the sender is held back');
  // Once the peer reads, everything arrives, in order.
  let received = 0;
  let inOrder = true;
  peer!.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i += 4096) inOrder &&= chunk[i] === Math.floor((received + i) / WEBSOCKET_MAX_MESSAGE_BYTES);
    received += chunk.length;
  });
  peer!.resume();
  while (received < total) await sleep(20);
  t.true(inOrder);
  client.terminate();
});

test('backpressure TCP -> WebSocket: a WebSocket peer that does not read stops the TCP sender; the relay holds at most its cap', async (t) => {
  const total = 48 * 1024 * 1024;
  let written = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const chunk = new Uint8Array(256 * 1024);
    const pump = (): void => {
      while (written < total) {
        written += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
  t.teardown(() => server.close());
  const bufferBytes = 64 * 1024;
  const relay = await relayTo(t, await listening(server), { bufferBytes });
  const client = new WebSocket(`ws://127.0.0.1:${relay.port}/`);
  await once(client, 'open');
  client.pause();
  while (relay.connections.size === 0) await sleep(20);
  const [relayed] = [...relay.connections];
  const moved = await settled(() => relayed!.moved.toWebSocket);
  t.true(moved < total, `moved ${moved} of ${total}`);
  t.true(relayed!.bufferedBytes <= bufferBytes + 256 * 1024, `relay buffers ${relayed!.bufferedBytes}`);
  let received = 0;
  client.on('message', (data: Buffer) => (received += data.length));
  client.resume();
  while (received < total) await sleep(20);
  t.is(received, total);
  client.terminate();
});

test('a text message is refused: the relay carries binary TLS records only (close 1003)', async (t) => {
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  t.teardown(() => server.close());
  const relay = await relayTo(t, await listening(server));
  const client = new WebSocket(`ws://127.0.0.1:${relay.port}/`);
  await once(client, 'open');
  while (relay.connections.size === 0) await sleep(20);
  client.send('GET / HTTP/1.1');
  const [code] = (await once(client, 'close')) as [number];
  t.is(code, 1003);
});

test('WebSocketRawConnection over the relay sees the TCP end of stream as a clean end', async (t) => {
  const server = net.createServer((socket) => socket.end('last words'));
  t.teardown(() => server.close());
  const relay = await relayTo(t, await listening(server));
  const raw: WebSocketRawConnection = await openWebSocket(Socket, `ws://127.0.0.1:${relay.port}/`);
  let got = '';
  for (let bytes = await raw.receiveBytes(100); bytes.length > 0; bytes = await raw.receiveBytes(100)) got += str(bytes);
  t.is(got, 'last words');
});

test('tlsservice relay: exactly one of --to and --expose, and a port to listen on', async (t) => {
  const { main } = await import('../../src/cli/main.js');
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.join(' '));
  try {
    t.is(await main(['relay', '--listen', '0']), 1);
    t.is(await main(['relay', '--listen', '0', '--to', '127.0.0.1:1', '--expose', '2']), 1);
    t.is(await main(['relay', '--to', '127.0.0.1:1']), 1);
    t.is(await main(['relay', '--listen', '0', '--to', 'nowhere']), 1);
  } finally {
    console.error = original;
  }
  t.regex(errors[0]!, /exactly one of --to and --expose/);
  t.regex(errors[2]!, /bad --listen/);
  t.regex(errors[3]!, /bad target/);
});
