/**
 * The client side of the TCP benchmarks: open a Connection to the bench server on
 * loopback with a fresh service from the backend's container, and read exact lengths.
 */
import type { Container } from 'inversify';
import type { ClientConfiguration } from '../src/configuration.js';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { connectTCP } from '../src/raw/tcp.js';
import { benchClientConfiguration } from './backends.js';

/** Connects to 127.0.0.1:`port` and negotiates as a client with a fresh service. */
export async function connectToBenchServer(container: Container, port: number, extra: ClientConfiguration = {}): Promise<Connection> {
  const raw = await connectTCP({ host: '127.0.0.1', port });
  try {
    return await Connection.toServer(raw, { service: serviceFrom(container), ...benchClientConfiguration(extra) });
  } catch (error) {
    raw.destroy();
    throw error;
  }
}

/** Reads exactly `count` bytes; throws if the stream ends first. */
export async function receiveExactly(connection: Connection, count: number): Promise<Uint8Array> {
  const out = new Uint8Array(count);
  let got = 0;
  while (got < count) {
    const bytes = await connection.receiveBytes(count - got);
    if (bytes.length === 0) throw new Error(`stream ended after ${got} of ${count} bytes`);
    out.set(bytes, got);
    got += bytes.length;
  }
  return out;
}

/** Seconds elapsed since `start` (a `performance.now()` reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
