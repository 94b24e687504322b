/**
 * The shape of a benchmark run as stored in `bench/results/*.json`: the machine, every
 * figure of every section, and the notes that qualify them. `docs-report.ts` renders it.
 */

import type { ResumptionSection } from './resumption-rate.js';
import type { HTTPFloor } from './http-floor.js';
import type { ServerWarmUp } from './connection-rate.js';

/** The machine a run was measured on. */
export interface MachineDescription {
  readonly os: string;
  readonly kernel: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly openssl: string;
  /** The open-file limit (`ulimit -n`) the run saw, or null when unknown. */
  readonly openFileLimit: number | null;
  /** The 1-minute load average when the run started (other work on the machine skews figures). */
  readonly loadAverageAtStart: number;
}

/** IO calls made by one end of a connection. */
export interface IOCallCounts {
  readonly reads: number;
  readonly writes: number;
  readonly total: number;
}

/** One client x server pairing of the IO-call scenario. */
export interface IOCallsPairing {
  readonly client: string;
  readonly server: string;
  readonly clientCalls: IOCallCounts;
  readonly serverCalls: IOCallCounts;
  readonly total: number;
  /** Records per flight in timeline order, e.g. `C1 S6 C2 S1`; empty for plaintext. */
  readonly recordsPerFlight: string;
  /** Every read asked for more than a record header and some read took in several records. */
  readonly readBuffering: boolean | null;
  /** The server's first flight (ServerHello .. Finished) left in one write. */
  readonly writeBuffering: boolean | null;
  /** EncryptedExtensions .. Finished travelled in one encrypted record. */
  readonly recordCoalescing: boolean | null;
  readonly protocol: string | null;
  readonly cipherSuite: string | null;
  readonly group: string | null;
  /** The interleaved call trace of both ends, one line per call. */
  readonly trace: readonly string[];
  /** Set when the pairing did not complete the scenario. */
  readonly error?: string;
}

/** A row quoted from the IO-efficiency study, for comparison. */
export interface IOCallsReference {
  readonly implementation: string;
  readonly total: number;
  readonly readBuffering: boolean;
  readonly writeBuffering: boolean;
  readonly recordCoalescing: boolean;
}

/** Section 1: IO calls for handshake, one byte each way and close_notify both ways. */
export interface IOCallsSection {
  readonly scenario: string;
  readonly transport: string;
  readonly pairings: readonly IOCallsPairing[];
  readonly references: readonly IOCallsReference[];
}

/** Connections per second of one backend at one concurrency. */
export interface ConnectionRateCell {
  readonly backend: string;
  readonly concurrency: number;
  /** Connections that completed inside the measured window. */
  readonly connections: number;
  /** The measured window (at least the planned cell length, longer for slow cells). */
  readonly seconds: number;
  readonly connectionsPerSecond: number;
  readonly errors: number;
  readonly cipherSuite: string | null;
  readonly group: string | null;
  /** The crypto provider the backend reported (noble: `noble` or `node`), if any. */
  readonly cryptoProvider: string | null;
  /** This rate divided by plaintext's at the same concurrency (null when either is missing). */
  readonly vsPlaintext: number | null;
  /** This rate divided by node-tls's at the same concurrency. */
  readonly vsNodeTLS: number | null;
}

/** Section 2: connection rate, Sandwich-style (handshake, PING, PONG, close). */
export interface ConnectionRateSection {
  /** The least length of each cell's measured window. */
  readonly secondsPerCell: number;
  readonly concurrencies: readonly number[];
  readonly cells: readonly ConnectionRateCell[];
  /** The same exchange with server and client pinned to TLS 1.2 (issue 16), for noble+node-crypto, noble and node-tls. */
  readonly tls12Cells?: readonly Tls12RateCell[];
}

/** A TLS 1.2 rate cell: `vsNodeTLS` is against node-tls at TLS 1.2; `vsTls13` against the same backend's TLS 1.3 cell of this run. */
export interface Tls12RateCell extends ConnectionRateCell {
  readonly vsTls13: number | null;
}

/** Bulk throughput of one backend with one cipher suite. */
export interface BulkThroughputRow {
  readonly backend: string;
  /** The suite asked for and agreed (`none` for plaintext). */
  readonly cipherSuite: string;
  readonly bytes: number;
  readonly seconds: number;
  /** Decimal megabytes (10^6 bytes) per second. */
  readonly megabytesPerSecond: number;
  readonly vsPlaintext: number | null;
  /** Against node-tls with the same suite (plaintext: against node-tls's best). */
  readonly vsNodeTLS: number | null;
  /** CPU milliseconds (user + system) per MB of the sending process (the bench client) during the transfer. */
  readonly clientCpuMsPerMB?: number;
  /** CPU milliseconds per MB of the receiving process (the bench server) during the transfer. */
  readonly serverCpuMsPerMB?: number;
  /**
   * For the noble engine: its provider's AEAD alone, seal + open CPU ms per MB of full
   * records, measured in the sending process right before and after the transfer (the mean).
   */
  readonly primitiveCpuMsPerMB?: number;
  /**
   * For the noble engine: the AEAD's own cost against the transfer's, like with like:
   * `primitiveCpuMsPerMB` over the client's plus the server's CPU per MB here, all on the
   * CPU clock and at the same time. 1.0x means the transfer costs nothing beyond the AEAD.
   */
  readonly vsPrimitive?: number | null;
  readonly error?: string;
}

/** Section 3: bulk throughput, one way over one connection. */
export interface BulkThroughputSection {
  readonly bytesPerRun: number;
  readonly chunkBytes: number;
  readonly rows: readonly BulkThroughputRow[];
}

/** Resident memory of the server process per idle connection, for one backend. */
export interface IdleMemoryRow {
  readonly backend: string;
  readonly connections: number;
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  readonly rssPerConnectionBytes: number;
  readonly heapPerConnectionBytes: number;
  readonly vsPlaintext: number | null;
  readonly vsNodeTLS: number | null;
  readonly error?: string;
}

/** Section 4: memory per idle connection. */
export interface IdleMemorySection {
  readonly connectionsAsked: number;
  readonly rows: readonly IdleMemoryRow[];
}

/** One crypto primitive measured on one provider. */
export interface CryptoPrimitiveRow {
  readonly provider: string;
  readonly category: 'key exchange' | 'signature' | 'AEAD' | 'hash';
  readonly operation: string;
  /** `ops/s` or `MB/s`. */
  readonly unit: 'ops/s' | 'MB/s';
  readonly value: number;
  readonly iterations: number;
  readonly error?: string;
}

/** Section 5: the engine's crypto primitives. */
export interface CryptoPrimitivesSection {
  readonly providers: readonly string[];
  readonly rows: readonly CryptoPrimitiveRow[];
}

/** One backend's server CPU for a ClientHello of each size sent as one-byte records. */
export interface HostileHelloRow {
  readonly backend: string;
  /** CPU ms per size, in the order of `HostileHelloSection.sizes`. */
  readonly cpuMs: readonly number[];
  /** What the server answered for each size (ServerHello, alert, closed). */
  readonly answers?: readonly string[];
  readonly error?: string;
}

/** Section 6: the CPU a hostile fragmentation costs a server. */
export interface HostileHelloSection {
  /** ClientHello sizes in bytes (header included). */
  readonly sizes: readonly number[];
  readonly rows: readonly HostileHelloRow[];
}

/** One backend's server-side cost of a full handshake. */
export interface HandshakeCostRow {
  readonly backend: string;
  /** Server process CPU (user + system) per handshake, in ms. */
  readonly cpuMsPerHandshake: number;
  /** Against node:tls direct's CPU per handshake. */
  readonly cpuVsDirect: number | null;
  /** Median over the watched handshakes of each one's longest synchronous slice of the server's event loop, in ms. */
  readonly sliceP50Ms: number;
  /** 90th percentile of the same, in ms. */
  readonly sliceP90Ms: number;
  /** The longest slice over all watched handshakes (a GC pause lands here), in ms. */
  readonly longestSliceMs: number;
  /** Median slice against node-tls's median slice. */
  readonly sliceVsNodeTLS: number | null;
  /** Connections the server counted as failed while measuring. */
  readonly errors: number;
  readonly error?: string;
}

/** Section 8: server CPU per full handshake and event-loop blocking. */
export interface HandshakeCostSection {
  readonly handshakes: number;
  readonly blockingHandshakes: number;
  readonly rows: readonly HandshakeCostRow[];
}

/** Requests per second of one HTTP server over keep-alive connections. */
export interface HTTPRow {
  /** `h1` (HTTP/1.1) or `h2`. */
  readonly protocol: 'h1' | 'h2';
  /** `node:https`, `node:http2` or `tlsservice <backend>`. */
  readonly server: string;
  readonly requestsPerSecond: number;
  /** Server CPU µs per request (the bench process's main thread, where the servers run); absent in reports made before it was measured. */
  readonly cpuMicrosPerRequest?: number;
  /** Cleartext node:http / h2c over a JS Duplex: the floor's reference, not a TLS server. */
  readonly cleartext?: boolean;
  /** Against node:https (h1) or node:http2 (h2) measured in the same run. */
  readonly vsNode: number | null;
  readonly errors: number;
  readonly error?: string;
}

/** Section 9: HTTP keep-alive requests per second through our server and node's. */
export interface HTTPSection {
  readonly concurrency: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly bodyBytes: number;
  readonly rows: readonly HTTPRow[];
  /** The floor of any JS TLS server on node:crypto, per protocol (bench/http-floor.ts); absent in older reports. */
  readonly floors?: readonly HTTPFloor[];
}

/** A whole benchmark run. */
export interface BenchReport {
  readonly formatVersion: 1;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineDescription;
  /** The backends this build knows (BACKEND_NAMES at run time). */
  readonly backends: readonly string[];
  /** Caveats of this run (reduced sizes, skipped parts), shown with the tables. */
  readonly notes: readonly string[];
  /** How each server process of sections 2, 7 and 8 was warmed before its first measurement; absent in older reports. */
  readonly serverWarmUp?: ServerWarmUp;
  readonly ioCalls?: IOCallsSection;
  readonly connectionRate?: ConnectionRateSection;
  readonly bulkThroughput?: BulkThroughputSection;
  readonly idleMemory?: IdleMemorySection;
  readonly cryptoPrimitives?: CryptoPrimitivesSection;
  readonly hostileHello?: HostileHelloSection;
  readonly resumption?: ResumptionSection;
  readonly handshakeCost?: HandshakeCostSection;
  readonly http?: HTTPSection;
}

/** `value / reference`, or null when either is missing or the reference is zero. */
export function ratio(value: number | null | undefined, reference: number | null | undefined): number | null {
  if (value === null || value === undefined || reference === null || reference === undefined || reference === 0) return null;
  return value / reference;
}
