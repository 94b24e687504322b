/**
 * The noble service's application-data path around the record layer: reads of buffered
 * records that skip the read chain, writes that go to the raw connection at once when none
 * is in flight, and what must not change with them (order of data, back-pressure, a failed
 * write failing the connection). RFC 8446 section 5: records carry an ordered byte stream.
 */
import test from 'ava';
import { memoryPair } from '../../src/raw/memory.js';
import type { ByteSource, RawConnection } from '../../src/raw-connection.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { MAX_PLAINTEXT } from '../../adapters/noble/record/record-layer.js';
import { ConnectionClosedError } from '../../src/errors.js';
import { caPem, serverIdentity } from './fixtures.js';
import { concat } from './helpers.js';

/** Bytes 0..n-1 of a pattern no two nearby records share. */
function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i + seed) * 2654435761) >>> 24;
  return out;
}

/** An established client/server pair on node:crypto over an in-memory pair (optionally wrapping the client's raw end). */
async function pair(options: { bufferLimit?: number; wrapClient?: (raw: RawConnection) => RawConnection } = {}) {
  const [a, b] = memoryPair({ ...(options.bufferLimit ? { bufferLimit: options.bufferLimit } : {}) });
  const client = new NobleTLSService({ provider: nodeCryptoProvider });
  const server = new NobleTLSService({ provider: nodeCryptoProvider });
  const serverReady = server.negotiateAsServer(b, serverIdentity('ecdsa'));
  await client.negotiateAsClient(options.wrapClient ? options.wrapClient(a) : a, { ca: caPem, servername: 'localhost' });
  await serverReady;
  return { client, server };
}

/** Reads exactly `n` bytes from `service`. */
async function readExactly(service: NobleTLSService, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const bytes = await service.receiveBytes(n - got);
    if (bytes.length === 0) throw new Error(`ended after ${got} of ${n} bytes`);
    parts.push(bytes.slice());
    got += bytes.length;
  }
  return concat(parts);
}

test('reads of records already decrypted resolve at once, without waiting on the read chain (section 5)', async (t) => {
  const { client, server } = await pair();
  const data = pattern(3 * MAX_PLAINTEXT, 1);
  await server.sendBytes(data);
  // The first read takes one record; the other two are then decrypted and buffered.
  const first = await client.receiveBytes(data.length);
  t.is(first.length, MAX_PLAINTEXT);
  let second: Uint8Array | undefined;
  void client.receiveBytes(data.length).then((bytes) => (second = bytes));
  // Two microtask turns: a read that went through the chain (then, async receive, then) is not done yet.
  await Promise.resolve();
  await Promise.resolve();
  t.truthy(second, 'a buffered record is handed out at once');
  t.deepEqual(concat([first, second!, await client.receiveBytes(data.length)]), data);
  await Promise.all([client.close(), server.close()]);
});

test('reads issued together, before any record arrives, get the stream in order (section 5)', async (t) => {
  const { client, server } = await pair();
  const data = pattern(5 * MAX_PLAINTEXT + 123, 2);
  // Every read is pending on the transport or on the read before it; none may skip ahead.
  const reads = Array.from({ length: 4 }, () => client.receiveBytes(64 * 1024)); // fewer than the six records
  await server.sendBytes(data);
  const got = await Promise.all(reads);
  t.true(got.every((b) => b.length > 0));
  const seen = concat(got);
  t.deepEqual(seen, data.subarray(0, seen.length));
  t.deepEqual(await readExactly(client, data.length - seen.length), data.subarray(seen.length));
  await Promise.all([client.close(), server.close()]);
});

test('reads issued while buffered records remain and one read waits get everything in order', async (t) => {
  const { client, server } = await pair();
  const data = pattern(2 * MAX_PLAINTEXT, 3);
  await server.sendBytes(data);
  const first = await client.receiveBytes(MAX_PLAINTEXT / 2); // half a record: the rest and one record stay buffered
  // Two reads find buffered plaintext; the third waits on the transport and the fourth behind it.
  const rest = [0, 1, 2, 3].map(() => client.receiveBytes(MAX_PLAINTEXT));
  const more = [pattern(1000, 4), pattern(2000, 5)];
  for (const piece of more) await server.sendBytes(piece);
  t.deepEqual(concat([first, ...(await Promise.all(rest))]), concat([data, ...more]));
  await Promise.all([client.close(), server.close()]);
});

test('sendBytes calls made without awaiting go out in call order, also while back-pressure holds the first (section 5)', async (t) => {
  // The peer holds at most 20 KB unread: the first 64 KiB write stays in flight until the server reads.
  const { client, server } = await pair({ bufferLimit: 20_000 });
  const pieces = Array.from({ length: 6 }, (_, i) => pattern(i % 2 === 0 ? 64 * 1024 : 777, 10 + i));
  const writes = pieces.map((p) => client.sendBytes(p));
  const expected = concat(pieces);
  t.deepEqual(await readExactly(server, expected.length), expected);
  await Promise.all(writes);
  // After the queue drained, a write goes to the raw connection at once again.
  const last = pattern(5000, 20);
  await client.sendBytes(last);
  t.deepEqual(await readExactly(server, last.length), last);
  await Promise.all([client.close(), server.close()]);
});

test('a failed application write fails that send and every later one with the same error', async (t) => {
  let failWrites = false;
  const failure = new ConnectionClosedError('test: the transport refused the write');
  const { client, server } = await pair({
    wrapClient: (raw) => ({
      sendBytes: (data: ByteSource) => (failWrites ? Promise.reject(failure) : raw.sendBytes(data)),
      receiveBytes: (max: number) => raw.receiveBytes(max),
      shutdownWrite: () => raw.shutdownWrite(),
      close: () => raw.close(),
      destroy: () => raw.destroy?.(),
    }),
  });
  await client.sendBytes(Uint8Array.of(1));
  t.deepEqual(await server.receiveBytes(1), Uint8Array.of(1));
  failWrites = true;
  const error = await t.throwsAsync(client.sendBytes(pattern(100)));
  t.is(error, failure);
  t.is(await t.throwsAsync(client.sendBytes(pattern(10))), failure);
  client.willDeinitConnection();
  server.willDeinitConnection();
});

test('with no write in flight, sendBytes hands its records to the raw connection within the call (no promise hop)', async (t) => {
  const sent: number[] = [];
  const { client, server } = await pair({
    wrapClient: (raw) => ({
      sendBytes: (data: ByteSource) => {
        sent.push(data instanceof Uint8Array ? data.length : data.reduce((n, b) => n + b.length, 0));
        return raw.sendBytes(data);
      },
      receiveBytes: (max: number) => raw.receiveBytes(max),
      shutdownWrite: () => raw.shutdownWrite(),
      close: () => raw.close(),
      destroy: () => raw.destroy?.(),
    }),
  });
  await client.sendBytes(Uint8Array.of(1)); // carries the Finished; from here on nothing is held
  t.deepEqual(await server.receiveBytes(1), Uint8Array.of(1));
  const before = sent.length;
  const write = client.sendBytes(pattern(3 * MAX_PLAINTEXT));
  t.is(sent.length, before + 1, 'one raw sendBytes, made before sendBytes returned');
  t.true(sent.at(-1)! > 3 * MAX_PLAINTEXT);
  await write;
  t.is((await readExactly(server, 3 * MAX_PLAINTEXT)).length, 3 * MAX_PLAINTEXT);
  await Promise.all([client.close(), server.close()]);
});
