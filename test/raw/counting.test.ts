/** Unit tests of CountingRawConnection: one record per call, and the study's trace format. */
import test from 'ava';
import { CountingRawConnection, traceLine } from '../../src/raw/counting.js';
import { memoryPair } from '../../src/raw/memory.js';

test('records one write per sendBytes whatever the iovec, and every read', async (t) => {
  const [a, b] = memoryPair();
  const client = new CountingRawConnection(a);
  const server = new CountingRawConnection(b);
  await client.sendBytes([new Uint8Array(1000), new Uint8Array(452)]);
  t.is((await server.receiveBytes(4096)).length, 1452);
  await client.sendBytes(new Uint8Array(6));
  t.is((await server.receiveBytes(4096)).length, 6);
  await client.close();
  t.is((await server.receiveBytes(4096)).length, 0);
  t.deepEqual(client.writes, [
    { op: 'write', length: 1452, buffers: 2 },
    { op: 'write', length: 6, buffers: 1 },
  ]);
  t.is(server.reads.length, 3);
  t.deepEqual(client.trace('0xc1'), ['0xc1 wrote 1452', '0xc1 wrote 6']);
  t.deepEqual(server.trace(), [
    'read into buffer of length 4096 -> 1452',
    'read into buffer of length 4096 -> 6',
    'read into buffer of length 4096 -> 0 (end of stream)',
  ]);
  server.reset();
  t.is(server.calls.length, 0);
});

test('failed calls are recorded with the error name', async (t) => {
  const [a] = memoryPair();
  const counted = new CountingRawConnection(a);
  await counted.close();
  await t.throwsAsync(counted.receiveBytes(10));
  t.is(traceLine(counted.calls[0]!), 'read into buffer of length 10 -> error ConnectionClosedError');
});
