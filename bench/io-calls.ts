/**
 * Section 1, IO calls: for every client x server pairing, "handshake, one byte each way,
 * close_notify both ways" over an in-memory pair with a CountingRawConnection on each
 * end, in the form of the IO-efficiency study (calls per end and in total, records per
 * flight, read buffering / write buffering / record coalescing, full traces).
 */
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { CountingRawConnection } from '../src/raw/counting.js';
import { memoryPair } from '../src/raw/memory.js';
import type { TLSService } from '../src/tls-service.js';
import type { ClientConfiguration } from '../src/configuration.js';
import { benchBackends, benchClientConfiguration, benchContainer, benchServerConfiguration, isTLS } from './backends.js';
import type { IOCallCounts, IOCallsPairing, IOCallsReference, IOCallsSection } from './report.js';
import { TimelineRawConnection, type TimelineEntry } from './timeline-raw-connection.js';
import { APPLICATION_DATA, describeRecords, recordHeaders, recordsStartingIn, type RecordHeader } from './tls-records.js';

/** The scenario, in words. */
export const IO_SCENARIO = 'handshake, one byte each way, close_notify both ways';

/** The rows quoted from the IO-efficiency study (seed 000). */
export const STUDY_REFERENCES: readonly IOCallsReference[] = [
  { implementation: 'rustls (study)', total: 20, readBuffering: true, writeBuffering: false, recordCoalescing: true },
  { implementation: 's2n-tls (study)', total: 41, readBuffering: false, writeBuffering: false, recordCoalescing: false },
  { implementation: 's2n-tls, receive buffering on (study)', total: 21, readBuffering: true, writeBuffering: false, recordCoalescing: false },
  { implementation: 'OpenSSL (study)', total: 41, readBuffering: false, writeBuffering: true, recordCoalescing: false },
];

const SCENARIO_TIMEOUT_MS = 10_000;

/** Runs the IO-call scenario for every pairing of backends (plaintext only pairs with itself). */
export async function measureIOCalls(progress: (line: string) => void): Promise<IOCallsSection> {
  // The crypto provider does not change IO, so only the backends themselves are paired.
  const backends = benchBackends({ variants: false });
  const pairings: IOCallsPairing[] = [];
  for (const client of backends) {
    for (const server of backends) {
      if (isTLS(client) !== isTLS(server)) continue;
      progress(`io calls: ${client} client x ${server} server`);
      pairings.push(await runPairing(client, server));
    }
  }
  // TLS 1.2 rows (issue 16): each TLS client backend pinned to TLS 1.2 against each TLS server backend.
  for (const clientBackend of backends.filter(isTLS)) {
    for (const server of backends.filter(isTLS)) {
      progress(`io calls: ${clientBackend}@1.2 client x ${server} server`);
      const client = serviceFrom(benchContainer(clientBackend));
      pairings.push(await runPairing(`${clientBackend}@1.2`, server, client, serviceFrom(benchContainer(server)), { maxVersion: 'TLSv1.2' }));
    }
  }
  return { scenario: IO_SCENARIO, transport: 'in-memory pair (memoryPair), CountingRawConnection on both ends', pairings, references: STUDY_REFERENCES };
}

/** One pairing: runs the scenario with the two services (default: fresh ones from the containers) and analyses the calls. */
export async function runPairing(
  clientBackend: string,
  serverBackend: string,
  clientService: TLSService = serviceFrom(benchContainer(clientBackend)),
  serverService: TLSService = serviceFrom(benchContainer(serverBackend)),
  clientExtra: ClientConfiguration = {},
): Promise<IOCallsPairing> {
  const [clientEnd, serverEnd] = memoryPair({ name: 'io-calls' });
  const clientCounting = new CountingRawConnection(clientEnd);
  const serverCounting = new CountingRawConnection(serverEnd);
  const timeline: TimelineEntry[] = [];
  const clientRaw = new TimelineRawConnection(clientCounting, 'client', timeline);
  const serverRaw = new TimelineRawConnection(serverCounting, 'server', timeline);

  let negotiated: { protocol: string; cipherSuite: string | undefined; group: string | undefined } | undefined;
  let error: string | undefined;
  const scenario = async (): Promise<void> => {
    // Each end runs on its own, as a real client and server do: the client sends its byte as soon as
    // its own handshake is done, without waiting for the server's side to finish.
    const serverReady = Connection.fromClient(serverRaw, { service: serverService, ...benchServerConfiguration() });
    serverReady.catch(() => undefined);
    const client = await Connection.toServer(clientRaw, { service: clientService, ...benchClientConfiguration(), ...clientExtra });
    negotiated = client.negotiated;
    await client.sendBytes(Uint8Array.of(0x41));
    const server = await serverReady;
    await readExactly(server, 1);
    await server.sendBytes(Uint8Array.of(0x42));
    await readExactly(client, 1);
    // close_notify both ways: the client closes; the server sees the end and closes too.
    await Promise.all([
      client.close(),
      (async () => {
        const end = await server.receiveBytes(1);
        if (end.length !== 0) throw new Error('server: expected the end of the stream');
        await server.close();
      })(),
    ]);
  };
  try {
    await withTimeout(scenario(), SCENARIO_TIMEOUT_MS);
  } catch (caught) {
    error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    clientEnd.destroy?.();
    serverEnd.destroy?.();
  }

  const clientCalls = countCalls(clientCounting);
  const serverCalls = countCalls(serverCounting);
  const analysis = analyse(timeline, isTLS(clientBackend));
  return {
    client: clientBackend,
    server: serverBackend,
    clientCalls,
    serverCalls,
    total: clientCalls.total + serverCalls.total,
    recordsPerFlight: analysis.recordsPerFlight,
    readBuffering: analysis.readBuffering,
    writeBuffering: analysis.writeBuffering,
    recordCoalescing: negotiated?.protocol === 'TLSv1.3' ? analysis.recordCoalescing : null,
    protocol: negotiated?.protocol ?? null,
    cipherSuite: negotiated?.cipherSuite ?? null,
    group: negotiated?.group ?? null,
    trace: analysis.trace,
    ...(error ? { error } : {}),
  };
}

/** Reads until exactly `count` bytes have arrived. */
async function readExactly(connection: { receiveBytes(count: number): Promise<Uint8Array> }, count: number): Promise<void> {
  let got = 0;
  while (got < count) {
    const bytes = await connection.receiveBytes(count - got);
    if (bytes.length === 0) throw new Error('unexpected end of stream');
    got += bytes.length;
  }
}

function countCalls(counting: CountingRawConnection): IOCallCounts {
  const reads = counting.reads.length;
  const writes = counting.writes.length;
  return { reads, writes, total: reads + writes };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`scenario did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface PositionedCall {
  readonly entry: TimelineEntry;
  /** Offset of the call's bytes in its direction's stream. */
  readonly start: number;
  readonly records: RecordHeader[];
}

interface Flight {
  readonly end: string;
  readonly calls: PositionedCall[];
}

/** Derived figures: flights, buffering and coalescing, and the printable trace. */
function analyse(
  timeline: readonly TimelineEntry[],
  tls: boolean,
): { recordsPerFlight: string; readBuffering: boolean | null; writeBuffering: boolean | null; recordCoalescing: boolean | null; trace: string[] } {
  // Each direction is one stream: what an end writes is what the other end reads.
  const streams = new Map<string, Uint8Array[]>();
  for (const entry of timeline) {
    if (entry.op !== 'write') continue;
    const list = streams.get(entry.end) ?? [];
    list.push(entry.bytes);
    streams.set(entry.end, list);
  }
  const headersByWriter = new Map<string, RecordHeader[]>();
  for (const [end, chunks] of streams) {
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      joined.set(c, at);
      at += c.length;
    }
    headersByWriter.set(end, tls ? recordHeaders(joined) : []);
  }

  const written = new Map<string, number>();
  const read = new Map<string, number>();
  const positioned: PositionedCall[] = [];
  for (const entry of timeline) {
    const writer = entry.op === 'write' ? entry.end : entry.end === 'client' ? 'server' : 'client';
    const offsets = entry.op === 'write' ? written : read;
    const start = offsets.get(entry.end) ?? 0;
    offsets.set(entry.end, start + entry.bytes.length);
    const records = recordsStartingIn(headersByWriter.get(writer) ?? [], start, start + entry.bytes.length);
    positioned.push({ entry, start, records });
  }

  // A flight: the writes an end makes between two of its reads that returned data.
  const flights: Flight[] = [];
  const open = new Map<string, Flight>();
  for (const call of positioned) {
    const end = call.entry.end;
    if (call.entry.op === 'write') {
      let flight = open.get(end);
      if (!flight) {
        flight = { end, calls: [] };
        open.set(end, flight);
        flights.push(flight);
      }
      flight.calls.push(call);
    } else if (call.entry.bytes.length > 0) {
      open.delete(end);
    }
  }

  const recordCount = (flight: Flight): number => flight.calls.reduce((n, c) => n + c.records.length, 0);
  const flightLabel = (f: Flight): string =>
    `${f.end === 'client' ? 'C' : 'S'}${recordCount(f)}${f.calls.length > 1 ? `/${f.calls.length}w` : ''}`;
  const recordsPerFlight = tls ? flights.map(flightLabel).join(' ') : '';
  const reads = positioned.filter((c) => c.entry.op === 'read');
  const serverFirstFlight = flights.find((f) => f.end === 'server');
  const readBuffering = tls ? reads.every((c) => c.entry.asked > 5) && reads.some((c) => c.records.length > 1) : null;
  const writeBuffering = tls && serverFirstFlight ? serverFirstFlight.calls.length === 1 : null;
  const encryptedInFirstFlight = serverFirstFlight
    ? serverFirstFlight.calls.flatMap((c) => c.records).filter((r) => r.contentType === APPLICATION_DATA).length
    : 0;
  const recordCoalescing = tls && serverFirstFlight ? encryptedInFirstFlight === 1 : null;

  const trace = positioned.map(({ entry, records }) => {
    const note = records.length > 0 ? `    [${describeRecords(records)}]` : '';
    if (entry.op === 'write') {
      const iovec = entry.asked > 1 ? ` (iovec of ${entry.asked})` : '';
      return `${entry.end} wrote ${entry.bytes.length}${iovec}${note}`;
    }
    const result = entry.bytes.length === 0 ? '0 (end of stream)' : String(entry.bytes.length);
    return `${entry.end} read into buffer of length ${entry.asked} -> ${result}${note}`;
  });
  trace.push(`total io calls: ${positioned.length}`);
  return { recordsPerFlight, readBuffering, writeBuffering, recordCoalescing, trace };
}
