/**
 * The contract suite's load cases, for every pairing: 16 MiB each way with the content
 * checked, and many concurrent connections. Serial, so one pure-TypeScript bulk transfer
 * never starves another test's handshake of the CPU.
 */
import test from 'ava';
import { connectedPair, pattern, readAll, within } from './harness.js';
import { pairings, pairingTitle } from './pairings.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MiB = 1024 * 1024;

for (const pairing of pairings) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;
  const slow = pairing.transport === 'memory-1byte';

  if (slow) {
    test.skip(title('16 MiB each way (skipped: 1-byte reads make it minutes long; covered by memory and tcp)'), () => {});
  } else {
    test.serial(title('16 MiB each way, concurrently, content checked'), async (t) => {
      const { client, server } = await connectedPair(pairing);
      const size = 16 * MiB;
      const up = pattern(size, 1);
      const down = pattern(size, 2);
      const send = async (c: typeof client, data: Uint8Array): Promise<void> => {
        // Uneven slices so record boundaries and write sizes vary.
        for (let off = 0, step = 1; off < data.length; off += step, step = ((step * 7) % (200_000 - 1)) + 1) {
          await c.sendBytes(data.subarray(off, Math.min(off + step, data.length)));
        }
      };
      const [receivedByServer, receivedByClient] = await within(
        50_000,
        Promise.all([readAll(server, size), readAll(client, size), send(client, up), send(server, down)]),
        '16 MiB exchange',
      );
      t.is(receivedByServer.length, size);
      t.is(receivedByClient.length, size);
      t.true(Buffer.from(receivedByServer).equals(up), 'server received exactly what the client sent');
      t.true(Buffer.from(receivedByClient).equals(down), 'client received exactly what the server sent');
      await Promise.all([client.close(), server.close()]);
    });
  }


  test.serial(title(`${slow ? 20 : 100} concurrent connections`), async (t) => {
    const count = slow ? 20 : 100;
    const results = await within(
      50_000,
      Promise.all(
        Array.from({ length: count }, async (_, i) => {
          const { client, server } = await connectedPair(pairing);
          await client.sendBytes(encoder.encode(`hello ${i}`));
          const got = decoder.decode(await server.receiveBytes(100));
          await server.sendBytes(encoder.encode(got.toUpperCase()));
          const reply = decoder.decode(await client.receiveBytes(100));
          await Promise.all([client.close(), server.close()]);
          return reply === `HELLO ${i}`;
        }),
      ),
      `${count} connections`,
    );
    t.is(results.filter(Boolean).length, count);
  });

}
