/**
 * The tables of a BenchReport, one function per section, as padded Markdown: printed on
 * the terminal after a run and embedded in `docs/benchmarks.md`.
 */
import type {
  BenchReport,
  BulkThroughputSection,
  ConnectionRateSection,
  CryptoPrimitivesSection,
  HandshakeCostSection,
  HostileHelloSection,
  HTTPSection,
  IdleMemorySection,
  IOCallsSection,
} from './report.js';
import type { ResumptionSection } from './resumption-rate.js';
import { formatFlag, formatKiB, formatMiB, formatNumber, formatRatio, markdownTable } from './text-table.js';

/** Section 1: measured pairings, then the study's reference rows. */
export function ioCallsTable(section: IOCallsSection): string {
  const rows = section.pairings.map((p) => [
    `${p.client} → ${p.server}`,
    p.error ? `failed` : `${p.clientCalls.total} (${p.clientCalls.reads} r, ${p.clientCalls.writes} w)`,
    p.error ? '' : `${p.serverCalls.total} (${p.serverCalls.reads} r, ${p.serverCalls.writes} w)`,
    p.error ? '—' : String(p.total),
    p.recordsPerFlight || '—',
    formatFlag(p.readBuffering),
    formatFlag(p.writeBuffering),
    formatFlag(p.recordCoalescing),
    [p.protocol, p.cipherSuite, p.group].filter((x) => x && x !== 'none').join(', ') || '—',
  ]);
  for (const r of section.references) {
    rows.push([r.implementation, '—', '—', String(r.total), '—', formatFlag(r.readBuffering), formatFlag(r.writeBuffering), formatFlag(r.recordCoalescing), '—']);
  }
  return markdownTable(
    ['client → server', 'client IO calls', 'server IO calls', 'total', 'records per flight', 'read buffering', 'write buffering', 'record coalescing', 'agreed'],
    rows,
    ['left', 'right', 'right', 'right', 'left', 'left', 'left', 'left', 'left'],
  );
}

/** Section 2: connections per second, one row per backend and concurrency. */
export function connectionRateTable(section: ConnectionRateSection): string {
  const rows = section.cells.map((c) => [
    c.backend,
    String(c.concurrency),
    formatNumber(c.connectionsPerSecond),
    formatRatio(c.vsPlaintext),
    formatRatio(c.vsNodeTLS),
    `${c.connections.toLocaleString('en-US')} in ${c.seconds.toFixed(1)} s`,
    String(c.errors),
    [c.cipherSuite, c.group, c.cryptoProvider ? `${c.cryptoProvider} crypto` : null].filter((x) => x && x !== 'none').join(', ') || '—',
  ]);
  return markdownTable(['backend', 'concurrency', 'connections/s', 'vs plaintext', 'vs node-tls', 'counted', 'errors', 'agreed'], rows, [
    'left',
    'right',
    'right',
    'right',
    'right',
    'right',
    'right',
    'left',
  ]);
}

/** Section 2, TLS 1.2 rows: connections per second with server and client pinned to TLS 1.2, beside the same backend's TLS 1.3 rate. */
export function tls12RateTable(section: ConnectionRateSection): string {
  const tls13 = (backend: string, concurrency: number) => section.cells.find((c) => c.backend === backend && c.concurrency === concurrency)?.connectionsPerSecond;
  const rows = (section.tls12Cells ?? []).map((c) => {
    const same = tls13(c.backend, c.concurrency);
    return [
      c.backend,
      String(c.concurrency),
      formatNumber(c.connectionsPerSecond),
      same === undefined ? '—' : formatNumber(same),
      formatRatio(c.vsTls13),
      formatRatio(c.vsNodeTLS),
      `${c.connections.toLocaleString('en-US')} in ${c.seconds.toFixed(1)} s`,
      String(c.errors),
      [c.cipherSuite, c.group, c.cryptoProvider ? `${c.cryptoProvider} crypto` : null].filter((x) => x && x !== 'none').join(', ') || '—',
    ];
  });
  return markdownTable(
    ['backend', 'concurrency', 'TLS 1.2 connections/s', 'TLS 1.3 connections/s', '1.2 vs 1.3', 'vs node-tls 1.2', 'counted', 'errors', 'agreed'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
}

/** Section 3: MB/s per backend and cipher suite. */
export function bulkThroughputTable(section: BulkThroughputSection): string {
  const rows = section.rows.map((r) => [
    r.backend,
    r.cipherSuite,
    r.error ? '—' : formatNumber(r.megabytesPerSecond),
    formatRatio(r.vsPlaintext),
    formatRatio(r.vsNodeTLS),
    r.error || r.clientCpuMsPerMB === undefined ? '—' : r.clientCpuMsPerMB.toFixed(2),
    r.error || r.serverCpuMsPerMB === undefined ? '—' : r.serverCpuMsPerMB.toFixed(2),
    r.error || r.primitiveCpuMsPerMB === undefined ? '—' : r.primitiveCpuMsPerMB.toFixed(2),
    formatRatio(r.vsPrimitive ?? null),
    r.error ? '—' : `${r.seconds.toFixed(2)} s`,
    r.error ? `not measured: ${r.error}` : '',
  ]);
  return markdownTable(
    [
      'backend',
      'cipher suite',
      'MB/s',
      'vs plaintext',
      'vs node-tls',
      'client CPU ms/MB',
      'server CPU ms/MB',
      'primitive CPU ms/MB',
      'AEAD share (vs primitive)',
      `time for ${formatMiB(section.bytesPerRun)}`,
      'note',
    ],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
}

/** Section 4: resident memory per idle connection. */
export function idleMemoryTable(section: IdleMemorySection): string {
  const rows = section.rows.map((r) =>
    r.error
      ? [r.backend, String(r.connections), '—', '—', `failed: ${r.error}`, '—', '—', '—']
      : [
          r.backend,
          r.connections.toLocaleString('en-US'),
          formatMiB(r.rssBeforeBytes),
          formatMiB(r.rssAfterBytes),
          formatKiB(r.rssPerConnectionBytes),
          formatKiB(r.heapPerConnectionBytes),
          formatRatio(r.vsPlaintext),
          formatRatio(r.vsNodeTLS),
        ],
  );
  return markdownTable(
    ['backend', 'idle connections', 'server RSS before', 'server RSS after', 'RSS per connection', 'heap + external per connection', 'vs plaintext', 'vs node-tls'],
    rows,
  );
}

/** Section 5: each primitive on each provider side by side, with the ratio of the first to the second. */
export function cryptoPrimitivesTable(section: CryptoPrimitivesSection): string {
  const providers = section.providers;
  const operations: { category: string; operation: string; unit: string }[] = [];
  const keyOf = (operation: string): string => operation.replace(/ \(from [^)]*\)$/, '');
  for (const row of section.rows) {
    if (!operations.some((o) => keyOf(o.operation) === keyOf(row.operation))) {
      operations.push({ category: row.category, operation: keyOf(row.operation), unit: row.unit });
    }
  }
  const rows = operations.map((o) => {
    const values = providers.map((p) => section.rows.find((r) => r.provider === p && keyOf(r.operation) === o.operation));
    const cells = values.map((v) => (!v ? '—' : v.error ? v.error : `${formatNumber(v.value)}${v.operation !== o.operation ? ' *' : ''}`));
    const [first, second] = values;
    const relative = first && second && !first.error && !second.error && second.value > 0 ? formatRatio(first.value / second.value) : '—';
    return [o.category, o.operation, o.unit, ...cells, relative];
  });
  const relativeHeader = providers.length >= 2 ? `${providers[0]} / ${providers[1]}` : 'ratio';
  return markdownTable(['category', 'operation', 'unit', ...providers, relativeHeader], rows, [
    'left',
    'left',
    'left',
    ...providers.map((): 'right' => 'right'),
    'right',
  ]);
}

/** Section 6: server CPU for a ClientHello in one-byte records, with the ratio to node:tls direct. */
export function hostileHelloTable(section: HostileHelloSection): string {
  const reference = section.rows[0];
  const rows = section.rows.map((r) =>
    r.error
      ? [r.backend, ...section.sizes.map(() => '—'), `failed: ${r.error}`]
      : [
          r.backend,
          ...r.cpuMs.map((ms, i) => `${ms.toFixed(1)} ms (${r.answers?.[i] ?? '?'})`),
          reference && !reference.error ? formatRatio(r.cpuMs.at(-1)! / reference.cpuMs.at(-1)!) : '—',
        ],
  );
  const sizes = section.sizes.map((n) => `${n / 1024} KiB in 1-byte records`);
  return markdownTable(['backend', ...sizes, `vs ${reference?.backend ?? 'reference'} (largest)`], rows);
}

/** Section 7: full and resumed handshakes per second, one row per backend and concurrency. */
export function resumptionRateTable(section: ResumptionSection): string {
  const rows: string[][] = [];
  for (const full of section.cells.filter((c) => c.kind === 'full')) {
    const resumed = section.cells.find((c) => c.kind === 'resumed' && c.backend === full.backend && c.concurrency === full.concurrency);
    rows.push([
      full.backend,
      String(full.concurrency),
      formatNumber(full.connectionsPerSecond),
      formatRatio(full.vsNodeTLS),
      resumed ? formatNumber(resumed.connectionsPerSecond) : '—',
      formatRatio(resumed?.vsNodeTLS ?? null),
      formatRatio(resumed?.vsFull ?? null),
      resumed?.resumedShare === null || resumed?.resumedShare === undefined ? '—' : `${(resumed.resumedShare * 100).toFixed(0)} %`,
      String(full.errors + (resumed?.errors ?? 0)),
    ]);
  }
  return markdownTable(
    ['backend', 'concurrency', 'full/s', 'full vs node-tls', 'resumed/s', 'resumed vs node-tls', 'resumed vs full', 'resumed share', 'errors'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** Section 7: the IO calls of full, resumed and 0-RTT exchanges. */
export function resumptionIOTable(section: ResumptionSection): string {
  const rows = section.io.map((r) => [
    r.backend,
    r.scenario,
    r.error ? 'failed' : String(r.clientCalls),
    r.error ? '' : String(r.serverCalls),
    r.error ? '—' : String(r.total),
    r.error ? `failed: ${r.error}` : [r.resumed ? 'resumed' : 'full handshake', r.earlyData ? `early data ${r.earlyData}` : ''].filter(Boolean).join(', '),
  ]);
  return markdownTable(['backend (both ends)', 'scenario', 'client IO calls', 'server IO calls', 'total', 'outcome'], rows, [
    'left',
    'left',
    'right',
    'right',
    'right',
    'left',
  ]);
}

/** Section 7: full handshakes per second through `tlsservice server --workers n`. */
export function workersTable(section: ResumptionSection): string {
  const rows = section.workers.map((r) => [r.backend, String(r.workers), formatNumber(r.connectionsPerSecond), formatRatio(r.vsOneWorker), String(r.errors)]);
  return markdownTable(['server backend', 'workers', 'full handshakes/s', 'vs 1 worker', 'errors'], rows, ['left', 'right', 'right', 'right', 'right']);
}

/** Section 8: server CPU per handshake and the longest event-loop slice, per backend. */
export function handshakeCostTable(section: HandshakeCostSection): string {
  const rows = section.rows.map((r) =>
    r.error
      ? [r.backend, '—', '—', '—', '—', '—', '—', `failed: ${r.error}`]
      : [
          r.backend,
          r.cpuMsPerHandshake.toFixed(2),
          formatRatio(r.cpuVsDirect),
          r.sliceP50Ms.toFixed(2),
          r.sliceP90Ms.toFixed(2),
          formatRatio(r.sliceVsNodeTLS),
          r.longestSliceMs.toFixed(2),
          String(r.errors),
        ],
  );
  return markdownTable(
    ['backend', 'server CPU per handshake (ms)', 'vs node:tls direct', 'longest slice per handshake, median (ms)', 'p90 (ms)', 'median vs node-tls', 'longest of all (ms)', 'errors'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** Section 9: HTTP keep-alive requests per second and server CPU per request, h1 then h2. */
export function httpTable(section: HTTPSection): string {
  const rows = section.rows.map((r) => [
    r.protocol,
    r.server,
    r.error ? '—' : formatNumber(r.requestsPerSecond),
    r.cleartext ? '(no TLS)' : formatRatio(r.vsNode),
    r.error || r.cpuMicrosPerRequest === undefined ? '—' : r.cpuMicrosPerRequest.toFixed(0),
    r.error ? `failed: ${r.error}` : String(r.errors),
  ]);
  return markdownTable(
    ['protocol', 'server', 'requests/s', 'vs node:https / node:http2', 'server CPU µs/request', 'errors'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right'],
  );
}

/** Section 9's floor: what any JS TLS server on node:crypto pays per request, against node's own TLS server. */
export function httpFloorTable(section: HTTPSection): string {
  const rows = (section.floors ?? []).map((f) => [
    f.protocol,
    f.duplexMicros.toFixed(0),
    `${f.readsPerRequest.toFixed(2)} × ${f.readBytes} B, ${f.openMicros.toFixed(1)} µs`,
    `${f.writesPerRequest.toFixed(2)} × ${f.writeBytes} B, ${f.sealMicros.toFixed(1)} µs`,
    f.floorMicros.toFixed(0),
    f.nodeMicros.toFixed(0),
    `${f.reachable.toFixed(2)}x`,
  ]);
  return markdownTable(
    ['protocol', 'cleartext over a JS Duplex µs', 'records opened per request', 'records sealed per request', 'floor µs/request', 'node TLS server µs/request', 'node TLS / floor (most reachable)'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** Every section's table with a heading, for the terminal. */
export function terminalSummary(report: BenchReport, machine: string): string {
  const parts: string[] = [`tlsservice benchmarks (${report.quick ? 'quick' : 'full'} run, ${report.durationSeconds.toFixed(1)} s) on ${machine}`];
  if (report.ioCalls) parts.push(`IO calls: ${report.ioCalls.scenario}`, ioCallsTable(report.ioCalls));
  if (report.connectionRate) {
    parts.push(`Connection rate (handshake, PING, PONG, close; at least ${report.connectionRate.secondsPerCell} s per cell)`, connectionRateTable(report.connectionRate));
    if (report.connectionRate.tls12Cells?.length) parts.push('Connection rate at TLS 1.2 (server and client pinned to TLSv1.2)', tls12RateTable(report.connectionRate));
  }
  if (report.bulkThroughput) parts.push(`Bulk throughput (${formatMiB(report.bulkThroughput.bytesPerRun)} one way)`, bulkThroughputTable(report.bulkThroughput));
  if (report.idleMemory) parts.push('Memory per idle connection (server process)', idleMemoryTable(report.idleMemory));
  if (report.cryptoPrimitives) {
    parts.push('Crypto primitives (* = borrowed from another provider)', cryptoPrimitivesTable(report.cryptoPrimitives));
  }
  if (report.hostileHello) parts.push('Server CPU for a ClientHello in one-byte records (hostile peer)', hostileHelloTable(report.hostileHello));
  if (report.resumption) {
    parts.push(`Resumption (handshake, PING, PONG, close; each client offers its newest ticket; at least ${report.resumption.secondsPerCell} s per cell)`, resumptionRateTable(report.resumption));
    parts.push('IO calls of resumed and 0-RTT exchanges (in memory)', resumptionIOTable(report.resumption));
    parts.push(`tlsservice server --workers n, node:tls clients at concurrency ${report.resumption.workersConcurrency}`, workersTable(report.resumption));
  }
  if (report.handshakeCost) {
    parts.push(
      `Server cost of one full handshake (CPU over ${report.handshakeCost.handshakes}, longest loop slice over ${report.handshakeCost.blockingHandshakes}; concurrency 1)`,
      handshakeCostTable(report.handshakeCost),
    );
  }
  if (report.http) {
    parts.push(`HTTP keep-alive requests/s (${report.http.concurrency} concurrent, median of ${report.http.rounds} × ${report.http.seconds} s)`, httpTable(report.http));
    if (report.http.floors?.length) parts.push('HTTP floor of a JS TLS server on node:crypto (cleartext over a JS Duplex + node:crypto record crypto)', httpFloorTable(report.http));
  }
  if (report.notes.length > 0) parts.push(`Notes:\n${report.notes.map((n) => `- ${n}`).join('\n')}`);
  return parts.join('\n\n');
}
