/**
 * The same handshake over two transports in one process (issue 14 target 5, the TCP gap):
 * client and server `Connection`s (a fresh service each, as bench/handshake-ab.ts) over an
 * in-memory pair and over loopback TCP (a net.Server on 127.0.0.1 and connectTCP), the
 * transports taking turns window by window (A B, B A, ...), each connection a handshake,
 * one byte each way and close. Prints client + server CPU per handshake pair, min and
 * median per transport, and with `--breakdown` where it went (bench/process-breakdown.ts).
 * The difference between the two is what both ends' sockets cost, with the same warm code.
 *
 * Run: `node dist/bench/handshake-transport.js [--rounds 8] [--ms 1500] [--backend noble+node-crypto] [--breakdown]`.
 * Not part of `npm test`.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import type { Container } from 'inversify';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { memoryPair } from '../src/raw/memory.js';
import { connectTCP, TCPRawConnection } from '../src/raw/tcp.js';
import type { RawConnection } from '../src/raw-connection.js';
import { cpuMs, line, roundOrder } from './ab.js';
import { benchClientConfiguration, benchContainer, benchServerConfiguration } from './backends.js';
import { breakdown, formatBreakdown, snapshot } from './process-breakdown.js';
import { receiveExactly } from './tcp-client.js';

const PING = Uint8Array.of(1);
const PONG = Uint8Array.of(2);

/** A way to get a connected client/server pair of raw connections. */
interface Transport {
  readonly name: string;
  readonly pair: () => Promise<[RawConnection, RawConnection]>;
}

/** Loopback TCP: each connect is matched with the socket the listener accepts. */
async function tcpTransport(): Promise<Transport & { close: () => void }> {
  const accepted: ((raw: RawConnection) => void)[] = [];
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => accepted.shift()?.(TCPRawConnection.fromSocket(socket)));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    name: 'loopback TCP',
    pair: async () => {
      const serverSide = new Promise<RawConnection>((resolve) => accepted.push(resolve));
      const client = await connectTCP({ host: '127.0.0.1', port });
      return [client, await serverSide];
    },
    close: () => server.close(),
  };
}

/** One handshake pair, a byte each way, both closed. */
async function handshake(container: Container, transport: Transport): Promise<void> {
  const [clientRaw, serverRaw] = await transport.pair();
  const serverReady = Connection.fromClient(serverRaw, { ...benchServerConfiguration(), service: serviceFrom(container) });
  const client = await Connection.toServer(clientRaw, { ...benchClientConfiguration(), service: serviceFrom(container) });
  await client.sendBytes(PING);
  const server = await serverReady;
  await receiveExactly(server, 1);
  await server.sendBytes(PONG);
  await receiveExactly(client, 1);
  await Promise.all([client.close(), server.receiveBytes(1).then(() => server.close())]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '8' },
      ms: { type: 'string', default: '1500' },
      backend: { type: 'string', default: 'noble+node-crypto' },
      breakdown: { type: 'boolean', default: false },
    },
  });
  const container = benchContainer(values.backend!);
  const tcp = await tcpTransport();
  const transports: Transport[] = [{ name: 'in-memory pair', pair: () => Promise.resolve(memoryPair({ name: 'transport' })) }, tcp];
  const results = transports.map((): number[] => []);
  for (const transport of transports) for (let i = 0; i < 50; i++) await handshake(container, transport); // warm-up
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const i of roundOrder(transports.length, round)) {
      const transport = transports[i]!;
      const before = values.breakdown ? snapshot() : undefined;
      const cpu = process.cpuUsage();
      const start = performance.now();
      let count = 0;
      while (performance.now() - start < Number(values.ms)) {
        await handshake(container, transport);
        count++;
      }
      results[i]!.push(cpuMs(cpu) / count);
      if (before) console.log(`  ${transport.name}: ${formatBreakdown(breakdown(before, snapshot(), count))}`);
    }
  }
  tcp.close();
  console.log(`transports: ${transports.map((t) => t.name).join(', ')}`);
  console.log(line(`${values.backend} client+server`, results, 'CPU ms per handshake pair'));
}

await main();
