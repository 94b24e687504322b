/**
 * A/B of the noble record path between builds (each a checkout with `dist/` built), the
 * builds interleaved window by window so a loaded machine hits both alike. Two measures:
 * - `primitive`: the provider's AEAD alone, seal and open of full records (16 KiB and the
 *   inner content type): the floor the two below are set against.
 * - `engine`: the sans-IO engine alone, no IO. Seal: `writePlaintext(64 KiB)` +
 *   `takeOutgoing()`; open: the sealed stream fed back in 64 KiB reads (records cut across
 *   reads, as TCP delivers them) and drained with `readPlaintext`. CPU per MB of each side.
 * - `tcp`: client and server `Connection`s of one build in this process over loopback TCP,
 *   the client sending 64 KiB `sendBytes` calls, the server reading; CPU per MB of both
 *   sides together (the process's `cpuUsage`).
 * Prints min and median over the windows, the second build against the first, and the load
 * average. Run: `node dist/bench/record-ab.js --builds /path/a,/path/b [--rounds 6]
 * [--mb 32] [--backend noble+node-crypto] [--suite TLS_AES_128_GCM_SHA256] [--only engine,tcp]`.
 * `--once ROOT MODE` runs one build once (for `node --cpu-prof`). Not part of `npm test`.
 */
import { loadavg } from 'node:os';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const CHUNK = 64 * 1024;
const READ = 64 * 1024;

/** The parts of a TLSEngine this bench drives (the engine inside a noble service). */
interface EngineView {
  writePlaintext(data: Uint8Array): void;
  takeOutgoing(): Uint8Array[];
  feed(bytes: Uint8Array): void;
  readPlaintext(max?: number): Uint8Array;
  readonly hasPlaintext: boolean;
}

/** One build's measures: each returns CPU ms per MB. */
interface Build {
  /** The provider's AEAD alone: seal + open of full 16 KiB records (the floor of `engine`). */
  primitive(megabytes: number): { seal: number; open: number };
  engine(megabytes: number): Promise<{ seal: number; open: number }>;
  tcp(megabytes: number): Promise<number>;
}

function chunkOf(bytes: number): Uint8Array {
  const chunk = new Uint8Array(bytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  return chunk;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

async function loadBuild(root: string, backend: string, suite: string): Promise<Build> {
  const dist = resolve(root, 'dist');
  const { Connection } = (await import(`${dist}/src/connection.js`)) as typeof import('../src/connection.js');
  const { serviceFrom } = (await import(`${dist}/src/di/container.js`)) as typeof import('../src/di/container.js');
  const { memoryPair } = (await import(`${dist}/src/raw/memory.js`)) as typeof import('../src/raw/memory.js');
  const { connectTCP, TCPRawConnection } = (await import(`${dist}/src/raw/tcp.js`)) as typeof import('../src/raw/tcp.js');
  const backends = (await import(`${dist}/bench/backends.js`)) as typeof import('./backends.js');
  const { receiveExactly } = (await import(`${dist}/bench/tcp-client.js`)) as typeof import('./tcp-client.js');
  const container = backends.benchContainer(backend);
  const clientConfiguration = () => ({ ...backends.benchClientConfiguration({ cipherSuites: [suite] }), service: serviceFrom(container) });
  const serverConfiguration = () => ({ ...backends.benchServerConfiguration(), service: serviceFrom(container) });
  const chunk = chunkOf(CHUNK);
  const { nodeCryptoProvider } = (await import(`${dist}/src/crypto/node.js`)) as typeof import('../src/crypto/node.js');
  const { nobleCryptoProvider } = (await import(`${dist}/src/crypto/noble.js`)) as typeof import('../src/crypto/noble.js');
  const provider = backend === 'noble' ? nobleCryptoProvider : nodeCryptoProvider;
  const aeadName = ({ TLS_AES_128_GCM_SHA256: 'AES-128-GCM', TLS_AES_256_GCM_SHA384: 'AES-256-GCM', TLS_CHACHA20_POLY1305_SHA256: 'CHACHA20-POLY1305' } as const)[suite]!;

  /** An established engine pair over an in-memory pair, then driven by hand. */
  async function enginePair(): Promise<{ sender: EngineView; receiver: EngineView }> {
    const [clientRaw, serverRaw] = memoryPair({ name: 'record-ab' });
    const serverReady = Connection.fromClient(serverRaw, serverConfiguration());
    const client = await Connection.toServer(clientRaw, clientConfiguration());
    await client.sendBytes(Uint8Array.of(1));
    const server = await serverReady;
    await receiveExactly(server, 1);
    const engineOf = (c: typeof client): EngineView => (c.tlsService as unknown as { inner: { engine: EngineView } }).inner.engine;
    return { sender: engineOf(client), receiver: engineOf(server) };
  }

  return {
    primitive(megabytes) {
      const key = provider.aead(aeadName, new Uint8Array(aeadName === 'AES-128-GCM' ? 16 : 32).fill(9));
      const inner = chunkOf(16385);
      const header = Uint8Array.of(23, 3, 3, 0x40, 0x11);
      const records = Math.ceil((megabytes * 1e6) / 16384);
      let seal = 0;
      let open = 0;
      for (let i = 0; i < records; i++) {
        const nonce = new Uint8Array(12);
        new DataView(nonce.buffer).setUint32(8, i);
        let at = process.cpuUsage();
        const sealed = key.seal(nonce, inner, header);
        seal += cpuMs(at);
        at = process.cpuUsage();
        if (key.open(nonce, sealed, header) === null) throw new Error('primitive: open failed');
        open += cpuMs(at);
      }
      const mb = (records * 16384) / 1e6;
      return { seal: seal / mb, open: open / mb };
    },

    async engine(megabytes) {
      const { sender, receiver } = await enginePair();
      const calls = Math.ceil((megabytes * 1e6) / CHUNK);
      let seal = 0;
      let open = 0;
      let pending = new Uint8Array(0);
      for (let i = 0; i < calls; i++) {
        let at = process.cpuUsage();
        sender.writePlaintext(chunk);
        const records = sender.takeOutgoing();
        seal += cpuMs(at);
        // The wire stream, not measured: what is left of the last read and these records.
        let length = pending.length;
        for (const r of records) length += r.length;
        const stream = new Uint8Array(length);
        stream.set(pending);
        let offset = pending.length;
        for (const r of records) {
          stream.set(r, offset);
          offset += r.length;
        }
        const whole = stream.length - (stream.length % READ);
        at = process.cpuUsage();
        for (let start = 0; start < whole; start += READ) {
          receiver.feed(stream.subarray(start, start + READ));
          while (receiver.hasPlaintext) receiver.readPlaintext(READ);
        }
        open += cpuMs(at);
        pending = stream.slice(whole);
      }
      const mb = (calls * CHUNK) / 1e6;
      return { seal: seal / mb, open: open / mb };
    },

    async tcp(megabytes) {
      const bytes = Math.ceil((megabytes * 1e6) / CHUNK) * CHUNK;
      let server: Server | undefined;
      const accepted = new Promise<Socket>((done) => {
        server = createServer({ allowHalfOpen: true }, done);
      });
      await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
      const port = (server!.address() as { port: number }).port;
      const serverSide = accepted.then((socket) => Connection.fromClient(TCPRawConnection.fromSocket(socket), serverConfiguration()));
      const client = await Connection.toServer(await connectTCP({ host: '127.0.0.1', port }), clientConfiguration());
      const receiver = await serverSide;
      const start = process.cpuUsage();
      const received = (async () => {
        let got = 0;
        while (got < bytes) {
          const b = await receiver.receiveBytes(READ);
          if (b.length === 0) throw new Error('ended early');
          got += b.length;
        }
      })();
      for (let sent = 0; sent < bytes; sent += CHUNK) await client.sendBytes(chunk);
      await received;
      const ms = cpuMs(start);
      await Promise.all([client.close(), receiver.close()]);
      server!.close();
      return ms / (bytes / 1e6);
    },
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function line(label: string, results: readonly number[][]): string {
  const mins = results.map((r) => Math.min(...r));
  const medians = results.map(median);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  const vs = results.length > 1 ? `; second vs first: min ${(mins[1]! / mins[0]!).toFixed(3)}x, median ${(medians[1]! / medians[0]!).toFixed(3)}x` : '';
  return `${label} CPU ms/MB: min ${mins.map((m) => m.toFixed(3)).join(' / ')}, median ${medians.map((m) => m.toFixed(3)).join(' / ')}${vs}; load ${load}`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      builds: { type: 'string', default: '.' },
      rounds: { type: 'string', default: '6' },
      mb: { type: 'string', default: '32' },
      backend: { type: 'string', default: 'noble+node-crypto' },
      suite: { type: 'string', default: 'TLS_AES_128_GCM_SHA256' },
      only: { type: 'string', default: 'primitive,engine,tcp' },
      once: { type: 'boolean', default: false },
    },
  });
  const megabytes = Number(values.mb);
  if (values.once) {
    const [root = '.', mode = 'tcp'] = positionals;
    const build = await loadBuild(root, values.backend!, values.suite!);
    console.log(mode, mode === 'tcp' ? await build.tcp(megabytes) : await build.engine(megabytes));
    return;
  }
  const roots = values.builds!.split(',').filter(Boolean);
  const builds = await Promise.all(roots.map((root) => loadBuild(root, values.backend!, values.suite!)));
  const only = new Set(values.only!.split(','));
  const label = `${values.backend} ${values.suite}`;
  if (only.has('primitive')) {
    const seal = builds.map((): number[] => []);
    const open = builds.map((): number[] => []);
    builds[0]!.primitive(4);
    for (let round = 0; round < Number(values.rounds); round++) {
      for (let i = 0; i < builds.length; i++) {
        const r = builds[i]!.primitive(megabytes);
        seal[i]!.push(r.seal);
        open[i]!.push(r.open);
      }
    }
    console.log(line(`${label} primitive seal`, seal));
    console.log(line(`${label} primitive open`, open));
  }
  if (only.has('engine')) {
    const seal = builds.map((): number[] => []);
    const open = builds.map((): number[] => []);
    await builds[0]!.engine(4); // warm-up
    for (let round = 0; round < Number(values.rounds); round++) {
      for (let i = 0; i < builds.length; i++) {
        const r = await builds[i]!.engine(megabytes);
        seal[i]!.push(r.seal);
        open[i]!.push(r.open);
      }
    }
    console.log(line(`${label} engine seal`, seal));
    console.log(line(`${label} engine open`, open));
  }
  if (only.has('tcp')) {
    const total = builds.map((): number[] => []);
    await builds[0]!.tcp(4);
    for (let round = 0; round < Number(values.rounds); round++) {
      for (let i = 0; i < builds.length; i++) total[i]!.push(await builds[i]!.tcp(megabytes));
    }
    console.log(line(`${label} tcp send+receive`, total));
  }
}

await main();
