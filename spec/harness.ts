/**
 * Shared plumbing of the contract suite: connected raw pairs for each transport, a
 * negotiated client/server pair of Connections, deterministic payloads and a timeout guard.
 */
import net from 'node:net';
import { memoryPair } from '../src/raw/memory.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { Connection } from '../src/connection.js';
import type { ClientConfiguration, ServerConfiguration } from '../src/configuration.js';
import type { RawConnection } from '../src/raw-connection.js';
import { localhostECDSA, testCA } from '../test/fixtures/certs.js';
import type { Pairing, Transport } from './pairings.js';

/** A connected raw pair: [client end, server end]. */
export async function rawPair(transport: Transport): Promise<[RawConnection, RawConnection]> {
  if (transport === 'memory') return memoryPair({ name: 'spec' });
  if (transport === 'memory-1byte') return memoryPair({ name: 'spec-1byte', fragment: 1 });
  return tcpPair();
}

/** A TCP pair over loopback: a one-shot server per pair, so nothing has to be matched up. */
async function tcpPair(): Promise<[RawConnection, RawConnection]> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const serverSocket = await accepted;
  server.close();
  return [TCPRawConnection.fromSocket(client), TCPRawConnection.fromSocket(serverSocket)];
}

/** The default client options of the suite: trust the test CA, ask for localhost. */
export const clientOptions: ClientConfiguration = { ca: testCA, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] };
/** The default server options of the suite: the ECDSA localhost leaf. */
export const serverOptions: ServerConfiguration = { ...localhostECDSA, ALPNProtocols: ['http/1.1'] };

/** A negotiated pair of Connections for `pairing`. */
export async function connectedPair(
  pairing: Pairing,
  overrides: { client?: ClientConfiguration; server?: ServerConfiguration } = {},
): Promise<{ client: Connection; server: Connection }> {
  const [clientRaw, serverRaw] = await rawPair(pairing.transport);
  const [client, server] = await Promise.all([
    Connection.toServer(clientRaw, { ...clientOptions, ...overrides.client, service: pairing.client.create() }),
    Connection.fromClient(serverRaw, { ...serverOptions, ...overrides.server, service: pairing.server.create() }),
  ]);
  return { client, server };
}

/** `length` bytes of a deterministic pattern that differs by `seed` (cheap to check). */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads until end of stream (or `limit` bytes) and returns everything. */
export async function readAll(
  source: { receiveBytes(count: number): Promise<Uint8Array> },
  limit = Number.MAX_SAFE_INTEGER,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = await source.receiveBytes(Math.min(256 * 1024, limit - total));
    if (chunk.length === 0) break;
    parts.push(chunk.slice());
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Rejects with a clear message when `promise` takes longer than `ms` (the no-hang guard). */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

/** Settles a promise into { ok, value | error } for assertions on both sides of a failure. */
export async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
