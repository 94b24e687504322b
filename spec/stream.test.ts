/**
 * The Duplex view of a Connection: `_writev` becomes ONE sendBytes(iovec), ending the
 * stream closes the connection, and stream consumers read to the end on every pairing.
 */
import test from 'ava';
import { finished } from 'node:stream/promises';
import { PlaintextService } from '../adapters/plaintext/index.js';
import { Connection } from '../src/connection.js';
import { CountingRawConnection } from '../src/raw/counting.js';
import { memoryPair } from '../src/raw/memory.js';
import { connectedPair, pattern, readAll, within } from './harness.js';
import { pairings, pairingTitle } from './pairings.js';

test('Duplex view: corked writes reach the raw connection as ONE vectored write', async (t) => {
  const [a, b] = memoryPair();
  const counted = new CountingRawConnection(a);
  const [client, server] = await Promise.all([
    Connection.toServer(counted, { service: new PlaintextService() }),
    Connection.fromClient(b, { service: new PlaintextService() }),
  ]);
  const stream = client.toStream();
  t.is(client.toStream(), stream, 'one view per connection');
  stream.cork();
  stream.write(Buffer.from('one '));
  stream.write(Buffer.from('two '));
  stream.write(Buffer.from('three'));
  process.nextTick(() => stream.uncork());
  const got = await within(5_000, readAll(server, 13), 'read');
  t.is(Buffer.from(got).toString(), 'one two three');
  t.deepEqual(counted.writes.map((w) => ({ length: w.length, buffers: w.buffers })), [{ length: 13, buffers: 3 }]);
  stream.end();
  await finished(stream, { readable: false });
  t.false(client.hasClosed, 'ending the stream shuts our write side only (RFC 8446 section 6.1)');
  t.is((await server.receiveBytes(10)).length, 0);
  await server.close();
  stream.resume();
  await finished(stream);
  t.is(stream.endedBy, 'end_of_stream', 'plaintext: the transport end is the only end');
  t.true(client.hasClosed, 'once both directions ended, the connection is closed');
});

for (const pairing of pairings) {
  test(`${pairingTitle(pairing)} Duplex view: a stream consumer reads everything up to the peer's close`, async (t) => {
    const { client, server } = await connectedPair(pairing);
    const payload = pattern(300_000, 21);
    const writer = server.toStream();
    const reading = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of client.toStream()) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    })();
    writer.write(payload.subarray(0, 1000));
    writer.end(payload.subarray(1000));
    const received = await within(20_000, reading, 'stream read');
    t.true(received.equals(payload));
    await finished(writer, { readable: false });
    await client.close();
  });
}
