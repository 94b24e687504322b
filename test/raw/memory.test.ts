/** Unit tests of the in-memory pair: async delivery, fragmentation, backpressure, close. */
import test from 'ava';
import { ConnectionClosedError } from '../../src/errors.js';
import { memoryPair } from '../../src/raw/memory.js';

test('writes arrive asynchronously, in order, joined up to max', async (t) => {
  const [a, b] = memoryPair();
  let early: Uint8Array | undefined;
  void b.receiveBytes(100).then((bytes) => (early = bytes));
  void a.sendBytes(Uint8Array.of(1, 2));
  void a.sendBytes([Uint8Array.of(3), Uint8Array.of(4, 5)]);
  await Promise.resolve();
  t.is(early, undefined, 'not delivered synchronously');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual([...early!], [1, 2]);
  t.deepEqual([...(await b.receiveBytes(100))], [3, 4, 5]);
});

test('fragment: 1 makes every read return one byte', async (t) => {
  const [a, b] = memoryPair({ fragment: 1 });
  await a.sendBytes(Uint8Array.of(9, 8, 7));
  const got: number[] = [];
  for (let i = 0; i < 3; i++) {
    const bytes = await b.receiveBytes(100);
    t.is(bytes.length, 1);
    got.push(bytes[0]!);
  }
  t.deepEqual(got, [9, 8, 7]);
  t.throws(() => memoryPair({ fragment: 0 }), { instanceOf: RangeError });
});

test('the sender copies: mutating after send does not change what arrives', async (t) => {
  const [a, b] = memoryPair();
  const data = Uint8Array.of(1, 2, 3);
  await a.sendBytes(data);
  data[0] = 99;
  t.deepEqual([...(await b.receiveBytes(10))], [1, 2, 3]);
});

test('backpressure: sendBytes waits while the peer holds more than the limit', async (t) => {
  const [a, b] = memoryPair({ bufferLimit: 1024 });
  await a.sendBytes(new Uint8Array(1000));
  let done = false;
  const second = a.sendBytes(new Uint8Array(1000)).then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.false(done, 'held back while 2000 bytes are unread');
  let read = 0;
  while (read < 2000) read += (await b.receiveBytes(4096)).length;
  await second;
  t.true(done);
});

test('16 MiB through a pair never buffers more than the limit plus one write', async (t) => {
  const [a, b] = memoryPair();
  const chunk = new Uint8Array(256 * 1024);
  const total = 16 * 1024 * 1024;
  let maxUnread = 0;
  let sent = 0;
  let received = 0;
  const writer = (async () => {
    for (; sent < total; sent += chunk.length) await a.sendBytes(chunk);
    await a.close();
  })();
  for (;;) {
    maxUnread = Math.max(maxUnread, sent - received);
    const bytes = await b.receiveBytes(1024 * 1024);
    if (bytes.length === 0) break;
    received += bytes.length;
  }
  await writer;
  t.is(received, total);
  t.true(maxUnread <= 1024 * 1024 + 2 * chunk.length, `max unread ${maxUnread}`);
});

test('close: the peer drains the data, then reads an empty array; use after close throws', async (t) => {
  const [a, b] = memoryPair();
  await a.sendBytes(Uint8Array.of(1, 2, 3));
  await a.close();
  await a.close();
  t.deepEqual([...(await b.receiveBytes(10))], [1, 2, 3]);
  t.is((await b.receiveBytes(10)).length, 0);
  t.is((await b.receiveBytes(10)).length, 0);
  await t.throwsAsync(a.sendBytes(Uint8Array.of(1)), { instanceOf: ConnectionClosedError });
  await t.throwsAsync(a.receiveBytes(1), { instanceOf: ConnectionClosedError });
  await t.throwsAsync(b.receiveBytes(0), { instanceOf: RangeError });
});

test('destroy: the peer pending read rejects with ConnectionClosedError', async (t) => {
  const [a, b] = memoryPair();
  const pending = b.receiveBytes(10);
  a.destroy!();
  await t.throwsAsync(pending, { instanceOf: ConnectionClosedError });
  await t.throwsAsync(b.sendBytes(Uint8Array.of(1)), { instanceOf: ConnectionClosedError });
});
