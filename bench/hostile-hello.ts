/**
 * Hostile-peer CPU: what one ClientHello sent as one-byte records (RFC 8446 section 5.1
 * allows any fragmentation) costs a server, per backend, beside node:tls used directly.
 * The server runs in this process; the client side is one socket write, so the process
 * CPU from that write to the server's first answer byte (or close) is the server's cost.
 * The least of a few repetitions is reported.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { clientHelloOfSize, inRecords } from '../test/noble/crafted-hello.js';
import { benchContainer, benchServerConfiguration, isTLS } from './backends.js';
import { DIRECT_NODE_TLS } from './direct-node-tls.js';
import type { HostileHelloRow, HostileHelloSection } from './report.js';

/** ClientHello sizes measured (bytes, header included). */
const SIZES = [16384, 65536] as const;
const REPETITIONS = 3;

/** Starts a server for `label` on 127.0.0.1 whose handshakes may fail (they are expected to answer, then be dropped). */
function startServer(label: string): Promise<net.Server> {
  let server: net.Server;
  if (label === DIRECT_NODE_TLS) {
    const c = benchServerConfiguration();
    server = tls.createServer({ cert: String(c.cert), key: String(c.key) }, (socket) => socket.destroy());
    server.on('tlsClientError', () => undefined);
  } else {
    const container = benchContainer(label);
    const configuration = benchServerConfiguration();
    server = net.createServer((socket) => {
      const raw = TCPRawConnection.fromSocket(socket);
      Connection.fromClient(raw, { service: serviceFrom(container), ...configuration }).then(
        (connection) => void connection.close(),
        () => raw.destroy(),
      );
    });
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** What the server answered: a handshake record (its ServerHello), an alert, or a close. */
type Answer = 'ServerHello' | 'alert' | 'closed';

/** CPU ms from writing `wire` until the server answers (first byte) or closes, and what it answered. */
function oneRun(port: number, wire: Uint8Array): Promise<{ ms: number; answer: Answer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let start: NodeJS.CpuUsage | undefined;
    let done = false;
    const finish = (first?: Buffer) => {
      if (done || !start) return;
      done = true;
      const used = process.cpuUsage(start);
      socket.destroy();
      const answer: Answer = first === undefined ? 'closed' : first[0] === 22 ? 'ServerHello' : 'alert';
      resolve({ ms: (used.user + used.system) / 1000, answer });
    };
    socket.on('connect', () => {
      start = process.cpuUsage();
      socket.write(wire);
    });
    socket.on('data', (chunk: Buffer) => finish(chunk));
    socket.on('close', () => finish());
    socket.on('error', (e) => (start ? finish() : reject(e)));
    socket.setTimeout(60_000, () => reject(new Error('no answer within 60 s')));
  });
}

/** Measures every TLS backend and node:tls direct. */
export async function measureHostileHello(backends: readonly string[], progress: (line: string) => void): Promise<HostileHelloSection> {
  const labels = [DIRECT_NODE_TLS, ...backends.filter(isTLS)];
  const wires = SIZES.map((size) => ({ size, wire: inRecords(clientHelloOfSize(size), 1) }));
  const rows: HostileHelloRow[] = [];
  for (const label of labels) {
    progress(`hostile ClientHello: ${label}`);
    const server = await startServer(label);
    try {
      const port = (server.address() as net.AddressInfo).port;
      const cpuMs: number[] = [];
      const answers: string[] = [];
      for (const { wire } of wires) {
        await oneRun(port, wire); // warm-up
        let best = Infinity;
        let answer = '';
        for (let i = 0; i < REPETITIONS; i++) {
          const run = await oneRun(port, wire);
          best = Math.min(best, run.ms);
          answer = run.answer;
        }
        cpuMs.push(best);
        answers.push(answer);
      }
      rows.push({ backend: label, cpuMs, answers });
    } catch (error) {
      rows.push({ backend: label, cpuMs: [], error: error instanceof Error ? error.message : String(error) });
    } finally {
      server.close();
    }
  }
  return { sizes: [...SIZES], rows };
}
