/**
 * Unit tests of lingeringClose (the close after our fatal alert) and of the raw
 * write-only shutdown it builds on: the FIN goes behind what was sent, reading goes on,
 * and the connection is released when the peer ends or at LINGER_MS / LINGER_BYTES.
 */
import test from 'ava';
import net from 'node:net';
import { ConnectionClosedError } from '../../src/errors.js';
import { lingeringClose, LINGER_BYTES, LINGER_MS } from '../../src/raw/lingering-close.js';
import { memoryPair } from '../../src/raw/memory.js';
import { connectTCP, TCPRawConnection } from '../../src/raw/tcp.js';

const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);

test('the limits are named and bounded', (t) => {
  t.true(LINGER_MS > 0 && LINGER_MS <= 30_000, `LINGER_MS ${LINGER_MS}`);
  t.true(LINGER_BYTES > 0 && LINGER_BYTES <= 16 * 1024 * 1024, `LINGER_BYTES ${LINGER_BYTES}`);
});

test('memory shutdownWrite: the peer reads the data then end of stream, and can still answer', async (t) => {
  const [a, b] = memoryPair();
  await a.sendBytes(Uint8Array.of(1, 2, 3));
  await a.shutdownWrite();
  await t.throwsAsync(a.sendBytes(Uint8Array.of(4)), { instanceOf: ConnectionClosedError });
  t.deepEqual([...(await b.receiveBytes(10))], [1, 2, 3]);
  t.is((await b.receiveBytes(10)).length, 0);
  await b.sendBytes(Uint8Array.of(9));
  t.deepEqual([...(await a.receiveBytes(10))], [9], 'the half-closed end still reads');
});

test('TCP shutdownWrite: FIN after the data; the accepted side (default sockets) can still write back', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = await connectTCP({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  const peer = TCPRawConnection.fromSocket(await accepted);
  server.close();
  await client.sendBytes(Uint8Array.of(7, 7));
  await client.shutdownWrite();
  t.deepEqual([...(await peer.receiveBytes(10))], [7, 7]);
  t.is((await peer.receiveBytes(10)).length, 0);
  await new Promise((resolve) => setTimeout(resolve, 20)); // a socket that was not half-open would have ended by now
  await peer.sendBytes(Uint8Array.of(8));
  t.deepEqual([...(await client.receiveBytes(10))], [8]);
  await peer.close();
  t.is((await client.receiveBytes(10)).length, 0);
  await client.close();
});

test('a peer that ends: the lingering side closes cleanly (the peer sees no reset)', async (t) => {
  const [a, b] = memoryPair();
  const lingering = lingeringClose(a, { ms: 10_000 });
  t.is((await b.receiveBytes(10)).length, 0, 'our FIN');
  await b.sendBytes(new Uint8Array(100));
  await b.close();
  await within(5_000, lingering);
  t.pass();
});

test('a peer that keeps writing is cut off after the byte limit', async (t) => {
  const [a, b] = memoryPair();
  const lingering = lingeringClose(a, { ms: 60_000, bytes: 10_000 });
  let sent = 0;
  const error = await within(
    10_000,
    (async () => {
      try {
        for (;;) {
          await b.sendBytes(new Uint8Array(1000));
          sent += 1000;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (e) {
        return e;
      }
    })(),
  );
  await lingering;
  t.true(error instanceof ConnectionClosedError, String(error));
  t.true(sent > 10_000, `${sent} bytes were discarded before the reset`);
  t.true(sent < 100_000, `${sent} bytes: the limit held`);
});

test('a silent peer that never ends is released after the time limit', async (t) => {
  const [a, b] = memoryPair();
  const started = Date.now();
  await within(5_000, lingeringClose(a, { ms: 200 }));
  t.true(Date.now() - started >= 150);
  await new Promise((resolve) => setImmediate(resolve));
  await t.throwsAsync(b.sendBytes(Uint8Array.of(1)), { instanceOf: ConnectionClosedError }, 'the peer sees the reset');
});
