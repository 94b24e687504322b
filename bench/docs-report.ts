/**
 * Writes `docs/benchmarks.md` and its charts (`docs/charts/*.svg`) from a BenchReport:
 * the method of each section, its table, the charts, the notes, and the IO traces as an
 * appendix. Re-running the bench regenerates all of it from the JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineSummary } from './machine.js';
import type { BenchReport, BulkThroughputSection, ConnectionRateSection, HandshakeCostSection, HTTPSection } from './report.js';
import {
  bulkThroughputTable,
  connectionRateTable,
  tls12RateTable,
  cryptoPrimitivesTable,
  handshakeCostTable,
  hostileHelloTable,
  httpFloorTable,
  httpTable,
  idleMemoryTable,
  ioCallsTable,
  resumptionIOTable,
  resumptionRateTable,
  workersTable,
} from './report-tables.js';
import type { ResumptionSection } from './resumption-rate.js';
import { renderGroupedBarChart } from './svg-chart.js';
import { formatMiB } from './text-table.js';

/** The chart of connections per second: a group per backend, a bar per concurrency. */
export function connectionRateChart(section: ConnectionRateSection): string {
  const backends = [...new Set(section.cells.map((c) => c.backend))];
  return renderGroupedBarChart({
    title: 'Connections per second (handshake, PING, PONG, close) over loopback',
    yLabel: 'connections per second',
    xLabel: 'backend (client and server)',
    groups: backends,
    series: section.concurrencies.map((concurrency) => ({
      name: `concurrency ${concurrency}`,
      values: backends.map((b) => section.cells.find((c) => c.backend === b && c.concurrency === concurrency)?.connectionsPerSecond ?? null),
    })),
  });
}

/** The chart of bulk throughput: a group per backend, a bar per cipher suite. */
export function bulkThroughputChart(section: BulkThroughputSection): string {
  const backends = [...new Set(section.rows.map((r) => r.backend))];
  const suites = [...new Set(section.rows.map((r) => r.cipherSuite))];
  return renderGroupedBarChart({
    title: `Bulk throughput, ${formatMiB(section.bytesPerRun)} one way over one connection`,
    yLabel: 'MB/s (10^6 bytes per second)',
    xLabel: 'backend',
    groups: backends,
    series: suites.map((suite) => ({
      name: suite === 'none' ? 'no encryption' : suite.replace(/^TLS_/, ''),
      values: backends.map((b) => {
        const row = section.rows.find((r) => r.backend === b && r.cipherSuite === suite);
        return row && !row.error ? row.megabytesPerSecond : null;
      }),
    })),
  });
}

/** The chart of resumption: a group per backend, full and resumed bars at each concurrency. */
export function resumptionChart(section: ResumptionSection): string {
  const backends = [...new Set(section.cells.map((c) => c.backend))];
  const series = section.concurrencies.flatMap((concurrency) =>
    (['full', 'resumed'] as const).map((kind) => ({
      name: `${kind}, concurrency ${concurrency}`,
      values: backends.map((b) => section.cells.find((c) => c.backend === b && c.kind === kind && c.concurrency === concurrency)?.connectionsPerSecond ?? null),
    })),
  );
  return renderGroupedBarChart({
    title: 'Full and resumed handshakes per second (handshake, PING, PONG, close) over loopback',
    yLabel: 'connections per second',
    xLabel: 'backend (client and server)',
    groups: backends,
    series,
  });
}

/** The chart of a handshake's server cost: a group per backend, CPU and longest loop slice side by side (both ms). */
export function handshakeCostChart(section: HandshakeCostSection): string {
  const rows = section.rows.filter((r) => !r.error);
  return renderGroupedBarChart({
    title: 'Server cost of one full handshake (concurrency 1)',
    yLabel: 'milliseconds',
    xLabel: 'backend (server)',
    groups: rows.map((r) => r.backend.replace(' (reference)', '')),
    series: [
      { name: 'CPU per handshake', values: rows.map((r) => r.cpuMsPerHandshake) },
      { name: 'longest event-loop slice per handshake (median)', values: rows.map((r) => r.sliceP50Ms) },
    ],
  });
}

/** The chart of HTTP requests per second: a group per server, a bar per protocol. */
export function httpChart(section: HTTPSection): string {
  const label = (server: string): string => (server === 'node:https' || server === 'node:http2' ? 'node:https / node:http2' : server.replace(/^tlsservice /, ''));
  const groups = [...new Set(section.rows.filter((r) => !r.cleartext).map((r) => label(r.server)))];
  const value = (group: string, protocol: 'h1' | 'h2'): number | null => {
    const row = section.rows.find((r) => r.protocol === protocol && label(r.server) === group);
    return row && !row.error ? row.requestsPerSecond : null;
  };
  return renderGroupedBarChart({
    title: `HTTP keep-alive requests per second (${section.concurrency} concurrent, ${section.bodyBytes}-byte body)`,
    yLabel: 'requests per second',
    xLabel: 'server',
    groups,
    series: [
      { name: 'HTTP/1.1', values: groups.map((g) => value(g, 'h1')) },
      { name: 'h2', values: groups.map((g) => value(g, 'h2')) },
    ],
  });
}

/** The sentence on each server process's warm-up (sections 2, 7 and 8), when the report has it. */
function warmUpLines(report: BenchReport, how = ''): string[] {
  const w = report.serverWarmUp;
  if (!w) return [];
  return [
    `Every server process, node:tls direct's included, first serves ${w.connections} connections${how} from ${w.concurrency} loops, or for`,
    `${w.seconds} s, whichever ends first, before anything is counted: V8 optimises a JavaScript server\'s per-connection code only`,
    'after running it many times, and the bench measures servers in the steady state a long-running server is in',
    '(docs/handshake-profile.md, round 4, tcpgap: with a second of warm-up a noble server still compiled and used about twice',
    'the CPU per handshake it used after 20 s).',
  ];
}

/** The whole Markdown report. */
export function benchmarksMarkdown(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` from bench/results/latest.json; edit bench/docs-report.ts, not this file. -->',
    '',
    `Measured ${report.startedAt} in a ${report.quick ? '**quick**' : 'full'} run of ${report.durationSeconds.toFixed(0)} s on ${machineSummary(report.machine)}.`,
    `Backends: ${report.backends.join(', ')}. Every ratio compares figures measured in this same run.`,
    '',
    'Re-run everything with `npm run bench` (10 to 15 minutes on 2 cores; rewrites `bench/results/latest.json`, this page and',
    '`docs/charts/`), or `npm run bench -- --quick` / `tlsservice bench --quick` for a sub-minute check that prints',
    'the same tables (written to `bench/results/quick.json`). `--only io,rate,bulk,memory,crypto,hostile,resumption,cpu,http` runs some sections (written to `bench/results/partial.json`, so `latest.json` and this page stay those of the last full run).',
    '',
  );
  if (report.notes.length > 0) out.push('Notes on this run:', '', ...report.notes.map((n) => `- ${n}`), '');

  if (report.ioCalls) {
    const io = report.ioCalls;
    out.push(
      '## 1. IO calls',
      '',
      `Scenario: ${io.scenario}, for every client × server pairing (plaintext pairs only with itself). Transport: ${io.transport}.`,
      'A read is one `receiveBytes` call and a write one `sendBytes` call (an iovec counts once, as one `writev`).',
      'Our reads wait for data, so unlike the study there are no reads that return "would block" (its `Ok(0)` lines, which',
      'its totals include). A read still pending when its own end closes returns 0 (end of stream) and is counted, as',
      'the counting decorator sees it. Records are found from the record headers in the bytes each call carried:',
      '',
      '- *records per flight*: records in each flight in order, `C` client, `S` server, `/2w` when the flight took two',
      '  writes; a flight is the writes an end makes between two of its reads that returned data;',
      '- *read buffering*: no read asked for just a record header and some read took in several records at once;',
      "- *write buffering*: the server's first flight (ServerHello … Finished) left in one write;",
      '- *record coalescing*: EncryptedExtensions … Finished travelled in one encrypted record (TLS 1.3 only).',
      '',
      'Reference rows are quoted from the IO-efficiency study (rustls, s2n-tls and OpenSSL talking to themselves).',
      'The full traces are in the [appendix](#appendix-io-traces).',
      '',
      ioCallsTable(io),
      '',
    );
  }

  if (report.connectionRate) {
    const rate = report.connectionRate;
    out.push(
      '## 2. Connection rate',
      '',
      'As in the Sandwich study: each connection is a full handshake, the client sends `PING`, the server answers `PONG`,',
      'both close. The server runs in its own process (`bench/server-process.ts`, forked), the client in the bench process,',
      'both with the backend named, over TCP on 127.0.0.1. Each cell keeps *concurrency* connections in flight. Counting',
      'starts after a warm-up in which at least *concurrency* connections finished, and the window lasts at least',
      `${rate.secondsPerCell} s and until at least *concurrency* connections finished inside it; connections/s is the count over the`,
      'window. Server certificate: ECDSA P-256 leaf from the test CA; key exchange and suite are the backends\' defaults.',
      'The row *node:tls direct (reference)* is not a tlsservice backend: it runs the same exchange with `tls.createServer`',
      'and `tls.connect` (one SecureContext per process), so the cost of our layer over node:tls itself is visible.',
      '`noble+node-crypto` is the noble engine on the node:crypto provider (full runs only).',
      'On a machine with few cores, client and server compete for CPU; the figure is the pair\'s rate, not a server\'s alone.',
      ...warmUpLines(report),
      '',
      connectionRateTable(rate),
      '',
      '![Connections per second by backend and concurrency](charts/connection-rate.svg)',
      '',
    );
    if (rate.tls12Cells?.length) {
      out.push(
        'The same exchange with server and client pinned to TLS 1.2 (`maxVersion: \'TLSv1.2\'`; ECDHE with the backends\' default',
        'suite and group, extended master secret): *1.2 vs 1.3* divides by the same backend\'s TLS 1.3 cell above, *vs node-tls 1.2*',
        'by node-tls at TLS 1.2 and the same concurrency.',
        '',
        tls12RateTable(rate),
        '',
      );
    }
  }

  if (report.bulkThroughput) {
    const bulk = report.bulkThroughput;
    out.push(
      '## 3. Bulk throughput',
      '',
      `${formatMiB(bulk.bytesPerRun)} one way (client to server) over one TCP connection on loopback, in ${bulk.chunkBytes / 1024} KiB`,
      '`sendBytes` calls, to a server in its own process; the clock runs from the first byte sent to the server\'s',
      '`DONE`. One row per backend and TLS 1.3 cipher suite (chosen with the `cipherSuites` configuration and checked',
      'against what was agreed). Each measured transfer follows an uncounted one of an eighth of its size on the same server',
      'and suite, so no row measures a server still compiling its code. MB are 10^6 bytes. Ratios: against plaintext, and',
      'against node-tls with the same suite.',
      'The row *node:tls direct (reference)* sends the same bytes with `tls.connect` to a `tls.createServer` sink (each',
      '64 KiB write awaited, as `sendBytes` is). *client / server CPU ms/MB*: the CPU time (user + system) each process',
      'spent on the transfer, per MB. *primitive CPU ms/MB*, for the noble engine: its provider\'s AEAD alone, seal +',
      'open of full 16 KiB records, measured in the client process right before and right after the transfer (the mean).',
      '*AEAD share (vs primitive)*: that over the client\'s plus the server\'s CPU per MB, so a transfer in which each byte',
      'is sealed once and opened once is set against the primitive doing the same, on the same clock and at the same',
      'time (1.00x: nothing but the AEAD). Section 5\'s rates are wall-clock and from another moment: on shared cores',
      'the CPU per instruction moves with the load, so they are not set against the transfer.',
      '',
      bulkThroughputTable(bulk),
      '',
      '![Bulk throughput by backend and cipher suite](charts/bulk-throughput.svg)',
      '',
    );
  }

  if (report.idleMemory) {
    out.push(
      '## 4. Memory per idle connection',
      '',
      `The bench process opens ${report.idleMemory.connectionsAsked.toLocaleString('en-US')} connections to a server process of the backend and`,
      'leaves them idle after the handshake (the server waits in `receiveBytes`). The server reports `process.memoryUsage()`',
      'after garbage collection (`--expose-gc`) before and after (a warm-up of 32 connections comes first); the',
      'difference divided by the connections established is the cost of one idle connection on the server side.',
      '',
      idleMemoryTable(report.idleMemory),
      '',
    );
  }

  if (report.cryptoPrimitives) {
    out.push(
      '## 5. Crypto primitives',
      '',
      'The operations the noble engine makes through its `CryptoProvider`, on each provider. A key exchange is',
      'client start + server respond + client complete. Signatures are over 130 bytes (a CertificateVerify input).',
      'AEAD seals one full 16 KiB record. Rows marked `*` come from another provider (the node provider borrows',
      'ML-KEM from noble on Node 20).',
      '',
      cryptoPrimitivesTable(report.cryptoPrimitives),
      '',
    );
  }

  if (report.hostileHello) {
    out.push(
      '## 6. A hostile peer: a ClientHello in one-byte records',
      '',
      'RFC 8446 allows a handshake message to be split over any number of records, so a peer can send a ClientHello',
      'one byte per record (5 bytes of header each). A client writes such a ClientHello in one write; the table gives',
      'the server process CPU from that write to the server\'s first answer byte (least of 3 runs, after a warm-up;',
      'server and client share the process, the client side being one write). The noble engine reassembles in linear',
      'time and refuses a message spread over more than 65,536 records.',
      '',
      hostileHelloTable(report.hostileHello),
      '',
    );
  }

  if (report.resumption) {
    const resumption = report.resumption;
    out.push(
      '## 7. Resumption, 0-RTT and every core',
      '',
      'The connection-rate exchange (handshake, `PING`, `PONG`, close; server in its own process, TCP on 127.0.0.1),',
      'once with full handshakes and once resuming: each of the *concurrency* clients offers the newest ticket it',
      'received (a ticket is used once; node:tls direct uses its `session` option and `\'session\'` event). The server',
      'seals tickets under one key for the whole process (`ticketKeys`). *Resumed share* is the part of the measured',
      `connections the server resumed. Each cell lasts at least ${resumption.secondsPerCell} s after a warm-up.`,
      ...warmUpLines(report, ' (half full handshakes, half resumed)'),
      '',
      resumptionRateTable(resumption),
      '',
      '![Full and resumed handshakes per second](charts/resumption.svg)',
      '',
      'IO calls of the IO-calls scenario, each backend talking to itself in memory, after a full handshake that gave',
      'the client its ticket; the 0-RTT row sends the client\'s byte as early data (server `maxEarlyData` 16,384).',
      '',
      resumptionIOTable(resumption),
      '',
      `Every core: full handshakes per second through \`tlsservice server --workers n\` (the echo server, node:cluster),`,
      `with node:tls clients at concurrency ${resumption.workersConcurrency} in the bench process (handshake, 4 bytes and their echo,`,
      'close). On a 2-core machine the clients compete with the workers for the cores.',
      '',
      workersTable(resumption),
      '',
    );
  }

  if (report.handshakeCost) {
    const cost = report.handshakeCost;
    out.push(
      '## 8. Server cost of one full handshake',
      '',
      `Measured inside the server process (\`bench/server-process.ts\`), with the client making Sandwich-style connections`,
      '(handshake, PING, PONG, close) one after another, so the server works on one handshake at a time and none of the',
      `client's work is counted. *CPU per handshake*: \`process.cpuUsage()\` (user + system) over ${cost.handshakes} connections, after a`,
      `warm-up${report.serverWarmUp ? ' (the server warm-up of section 2, then a few at concurrency 1)' : ''}, divided by their number. *Longest slice per handshake*: over ${cost.blockingHandshakes} more connections a \`setImmediate\``,
      'chain reads the process CPU clock at every turn of the event loop; the most CPU one turn took between one accepted',
      "connection and the next is that handshake's longest synchronous slice, the longest time the server could not serve",
      'anything else (other connections wait at least that long). The table gives its median and 90th percentile over the',
      'connections, and the longest turn of the whole run, where a garbage-collection pause or a timer lands whatever the',
      'backend (the plaintext server has one too). CPU time rather than wall time, so time the OS gives other processes on a',
      'shared machine is not counted. The chain keeps a core busy, so the two runs are separate. CPU is compared with',
      "node:tls direct, the median slice with the node-tls backend's.",
      '',
      handshakeCostTable(cost),
      '',
      '![Server CPU per handshake and longest event-loop slice by backend](charts/handshake-cost.svg)',
      '',
      'Where that CPU goes (a V8 profile of a handshake server per backend, engine code against node:crypto, OpenSSL and',
      "Node's stream layer) is in [handshake-profile.md](handshake-profile.md), measured with `bench/handshake-profile.ts`.",
      '',
    );
  }

  if (report.http) {
    const h = report.http;
    out.push(
      '## 9. HTTP keep-alive requests per second',
      '',
      `\`bench/http.ts\`: a ${h.bodyBytes}-byte response to \`GET /\`, ${h.concurrency} requests in flight over keep-alive connections, from a worker`,
      "thread (its own event loop) in the bench process: node's `https.Agent` (keep-alive) for HTTP/1.1, node:http2 client",
      `sessions (4 streams in flight on each) for h2. Our \`createServer\` (src/http) on each backend against node:https and`,
      `node:http2 in the same run; servers are measured round-robin, ${h.rounds} round(s) of ${h.seconds} s after a warm-up, and each`,
      'reports its median, with its server CPU per request (the bench process\'s main thread, where the servers run).',
      '',
      httpTable(h),
      '',
      '![HTTP requests per second by server and protocol](charts/http.svg)',
      '',
    );
    if (h.floors?.length) {
      out.push(
        '**The floor of any TLS server written in JavaScript on node:crypto** (`bench/http-floor.ts`, issue 14 target 7): such a',
        'server hands node:http(2) a JS Duplex, and it opens a record per read and seals one per write with one node:crypto',
        'cipher object each (node cannot re-key one). The row "cleartext over a JS Duplex" above is node:http / h2c fed a',
        'pass-through Duplex over the accepted socket, with no TLS, under the same load; it counts the reads and writes per',
        'request and their sizes. The record crypto is node:crypto AES-128-GCM at those sizes through our node provider, timed in',
        'the same process. Floor = the two together; node TLS / floor is the most requests/s any such server can reach against',
        "node's own TLS server while the server is the bottleneck.",
        '',
        httpFloorTable(h),
        '',
      );
    }
  }

  if (report.ioCalls) {
    out.push('## Appendix: IO traces', '');
    for (const p of report.ioCalls.pairings) {
      out.push(`### ${p.client} client → ${p.server} server`, '', ...(p.error ? [`Failed: ${p.error}`, ''] : []), '```', ...p.trace, '```', '');
    }
  }
  return out.join('\n');
}

/** Writes `docs/benchmarks.md` and `docs/charts/*.svg` under `root`; returns the paths written. */
export function writeDocs(report: BenchReport, root: string): string[] {
  const docs = join(root, 'docs');
  const charts = join(docs, 'charts');
  mkdirSync(charts, { recursive: true });
  const written: string[] = [];
  const write = (path: string, text: string): void => {
    writeFileSync(path, text);
    written.push(path);
  };
  if (report.connectionRate) write(join(charts, 'connection-rate.svg'), connectionRateChart(report.connectionRate));
  if (report.bulkThroughput) write(join(charts, 'bulk-throughput.svg'), bulkThroughputChart(report.bulkThroughput));
  if (report.resumption) write(join(charts, 'resumption.svg'), resumptionChart(report.resumption));
  if (report.handshakeCost) write(join(charts, 'handshake-cost.svg'), handshakeCostChart(report.handshakeCost));
  if (report.http) write(join(charts, 'http.svg'), httpChart(report.http));
  write(join(docs, 'benchmarks.md'), benchmarksMarkdown(report));
  return written;
}
