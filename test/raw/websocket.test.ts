/**
 * WebSocketRawConnection over the `ws` package (the browser's WebSocket is exercised in
 * test/browser): one message per sendBytes iovec, reads coalesced across messages, clean
 * close = end of stream, abnormal close and text messages = ConnectionClosedError, and a
 * noble TLS 1.3 handshake over it.
 */
import test from 'ava';
import { once } from 'node:events';
import type net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ConnectionClosedError } from '../../src/errors.js';
import {
  openWebSocket, WebSocketRawConnection, WEBSOCKET_MAX_MESSAGE_BYTES, type WebSocketConstructor,
} from '../../src/raw/websocket.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { testCA, localhostECDSA } from '../fixtures/certs.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A ws server on loopback; each accepted socket is handed to the test. */
async function wsServer(): Promise<{ url: string; accepted: Promise<WebSocket>; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection').then(([ws]) => ws as WebSocket);
  const url = `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`;
  return {
    url,
    accepted,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

const Socket = WebSocket as unknown as WebSocketConstructor;

async function pair(): Promise<{ client: WebSocketRawConnection; server: WebSocketRawConnection; serverSocket: WebSocket; close(): Promise<void> }> {
  const s = await wsServer();
  const client = await openWebSocket(Socket, s.url);
  const serverSocket = await s.accepted;
  return { client, server: new WebSocketRawConnection(serverSocket as never), serverSocket, close: s.close };
}

test('an iovec is one binary message; a large send is split at WEBSOCKET_MAX_MESSAGE_BYTES', async (t) => {
  const s = await wsServer();
  t.teardown(() => s.close());
  const client = await openWebSocket(Socket, s.url);
  const server = await s.accepted;
  const sizes: number[] = [];
  server.on('message', (data: Buffer, isBinary) => {
    t.true(isBinary);
    sizes.push(data.length);
  });
  await client.sendBytes([text('ab'), text('cde'), text('f')]);
  await client.sendBytes(new Uint8Array(WEBSOCKET_MAX_MESSAGE_BYTES + 10));
  await client.close();
  await once(server, 'close');
  t.deepEqual(sizes, [6, WEBSOCKET_MAX_MESSAGE_BYTES, 10]);
});

test('reads coalesce queued messages up to max and keep the rest', async (t) => {
  const p = await pair();
  t.teardown(() => p.close());
  for (const part of ['one', 'two', 'three']) p.serverSocket.send(text(part));
  // Wait until all three have arrived, then one read takes them together.
  while (p.client.buffered < 11) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(str(await p.client.receiveBytes(8)), 'onetwoth');
  t.is(str(await p.client.receiveBytes(100)), 'ree');
});

test('a normal close (1000) is end of stream; reads after our close reject', async (t) => {
  const p = await pair();
  t.teardown(() => p.close());
  await p.server.sendBytes(text('bye'));
  await p.server.close();
  t.is(str(await p.client.receiveBytes(10)), 'bye');
  t.is((await p.client.receiveBytes(10)).length, 0);
  await p.client.close();
  await t.throwsAsync(p.client.receiveBytes(10), { instanceOf: ConnectionClosedError });
  await t.throwsAsync(p.client.sendBytes(text('x')), { instanceOf: ConnectionClosedError });
});

test('an abnormal close (no closing handshake) is a ConnectionClosedError, not an end of stream', async (t) => {
  const p = await pair();
  t.teardown(() => p.close());
  const read = p.client.receiveBytes(10);
  p.serverSocket.terminate();
  await t.throwsAsync(read, { instanceOf: ConnectionClosedError, message: /abnormally/ });
});

test('a text message where TLS records belong ends the connection with ConnectionClosedError', async (t) => {
  const p = await pair();
  t.teardown(() => p.close());
  p.serverSocket.send('hello');
  await t.throwsAsync(p.client.receiveBytes(10), { instanceOf: ConnectionClosedError, message: /text/ });
});

test('RFC 8446: a noble TLS 1.3 handshake and data both ways over WebSockets', async (t) => {
  const p = await pair();
  t.teardown(() => p.close());
  const serverService = new NobleTLSService();
  const clientService = new NobleTLSService();
  await Promise.all([
    serverService.negotiateAsServer(p.server, { cert: localhostECDSA.cert, key: localhostECDSA.key }),
    clientService.negotiateAsClient(p.client, { ca: testCA, servername: 'localhost' }),
  ]);
  t.is(clientService.negotiated.protocol, 'TLSv1.3');
  await clientService.sendBytes([text('ping '), text('over ws')]);
  t.is(str(await serverService.receiveBytes(100)), 'ping over ws');
  await serverService.sendBytes(text('pong'));
  t.is(str(await clientService.receiveBytes(100)), 'pong');
  await clientService.close();
  t.is((await serverService.receiveBytes(100)).length, 0);
  await serverService.close();
});
