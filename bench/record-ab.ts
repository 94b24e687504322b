/**
 * A/B of the noble record path between builds (each a checkout with `dist/` built), the
 * builds interleaved window by window so a loaded machine hits both alike. Four measures:
 * - `primitive`: the provider's AEAD alone, seal and open of full records (16 KiB and the
 *   inner content type): the floor the two below are set against.
 * - `engine`: the sans-IO engine alone, no IO. Seal: `writePlaintext(64 KiB)` +
 *   `takeOutgoing()`; open: the sealed stream fed back in 64 KiB reads (records cut across
 *   reads, as TCP delivers them) and drained with `readPlaintext`. CPU per MB of each side.
 * - `service`: the noble service's whole path (Connection, service, engine, provider) without
 *   a socket: sends into a raw connection that takes the records at once, receives the sealed
 *   stream in 64 KiB reads, `--batch` sends at a time (default 1); CPU per MB of each side.
 * - `tcp`: as bench/bulk-throughput.ts, over loopback TCP: this process sends 64 KiB
 *   `sendBytes` calls to a server process of the same build that reads them; the CPU per MB
 *   of each process (`cpuUsage`), the sender's up to the server's DONE.
 * (bench/http-cpu-ab.ts does the same for HTTP: server CPU per request.)
 * Prints min and median over the windows, the second build against the first, and the load
 * average. Run: `node dist/bench/record-ab.js --builds /path/a,/path/b [--rounds 6]
 * [--mb 32] [--backend noble+node-crypto] [--suite TLS_AES_128_GCM_SHA256] [--only engine,tcp]`.
 * `--once ROOT MODE` runs one build once (for `node --cpu-prof`). Not part of `npm test`.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { cipherSuiteByName } from '../adapters/noble/suites.js';
import { concatBytes } from '../src/raw-connection.js';
import { isMainScript } from './main-script.js';
import { cpuMs, interleaved, line, loadBuildModules } from './ab.js';
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
  /** The whole noble service path without a socket: sendBytes into a raw connection that takes the bytes at once, receiveBytes from one that serves the sealed stream in 64 KiB reads. */
  service(megabytes: number, batch: number): Promise<{ seal: number; open: number }>;
  /** Client process sends, server process receives: each side's CPU per MB. */
  tcp(megabytes: number): Promise<{ sender: number; receiver: number }>;
  /** Ends the build's server process. */
  stop(): void;
}

function chunkOf(bytes: number): Uint8Array {
  const chunk = new Uint8Array(bytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  return chunk;
}

async function loadBuild(root: string, backend: string, suite: string): Promise<Build> {
  const { Connection, serviceFrom, memoryPair, raw, backends, receiveExactly, dist } = await loadBuildModules(root);
  const { connectTCP } = raw;
  const container = backends.benchContainer(backend);
  const clientConfiguration = () => ({ ...backends.benchClientConfiguration({ cipherSuites: [suite] }), service: serviceFrom(container) });
  const serverConfiguration = () => ({ ...backends.benchServerConfiguration(), service: serviceFrom(container) });
  const chunk = chunkOf(CHUNK);
  const { nodeCryptoProvider } = (await import(`${dist}/src/crypto/node.js`)) as typeof import('../src/crypto/node.js');
  const { nobleCryptoProvider } = (await import(`${dist}/src/crypto/noble.js`)) as typeof import('../src/crypto/noble.js');
  const provider = backend === 'noble' ? nobleCryptoProvider : nodeCryptoProvider;
  const aeadName = cipherSuiteByName(suite)?.aead;
  if (!aeadName) throw new Error(`unknown TLS 1.3 suite ${suite}`);

  // The receiving side runs in its own process (as in bench/bulk-throughput.ts), with this build.
  const serverProcess = fork(fileURLToPath(import.meta.url), ['--serve', root, '--backend', backend, '--suite', suite], { stdio: 'inherit' });
  const serverPort = new Promise<number>((done) => serverProcess.once('message', (m: { port: number }) => done(m.port)));

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
        const stream = concatBytes([pending, ...records]);
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

    async service(megabytes, batch) {
      const [clientRaw, serverRaw] = memoryPair({ name: 'record-ab' });
      const serverReady = Connection.fromClient(serverRaw, serverConfiguration());
      const client = await Connection.toServer(clientRaw, clientConfiguration());
      await client.sendBytes(Uint8Array.of(1));
      const server = await serverReady;
      await receiveExactly(server, 1);
      const innerOf = (c: typeof client): { raw: unknown } => (c.tlsService as unknown as { inner: { raw: unknown } }).inner;
      // From here on each service talks to a raw connection of ours (the in-memory pair is left idle).
      let wire: Uint8Array[] = [];
      const idle = { close: () => Promise.resolve(), shutdownWrite: () => Promise.resolve(), destroy: () => undefined };
      innerOf(client).raw = { ...idle, sendBytes: (data: readonly Uint8Array[]) => (wire.push(...data), Promise.resolve()), receiveBytes: () => new Promise(() => undefined) };
      let stream: Uint8Array = new Uint8Array(0);
      let at = 0;
      innerOf(server).raw = {
        ...idle,
        sendBytes: () => Promise.resolve(),
        receiveBytes: (max: number) => {
          const end = Math.min(stream.length, at + max);
          const bytes = stream.subarray(at, end);
          at = end;
          return Promise.resolve(bytes);
        },
      };
      const calls = Math.ceil((megabytes * 1e6) / CHUNK);
      let seal = 0;
      let open = 0;
      for (let done = 0; done < calls; done += batch) {
        let start = process.cpuUsage();
        for (let i = 0; i < batch; i++) await client.sendBytes(chunk);
        seal += cpuMs(start);
        const rest = stream.subarray(at);
        stream = concatBytes([rest, ...wire]);
        wire = [];
        at = 0;
        // Read whole 64 KiB raw reads only (the service asks for 64 KiB): what is cut off waits for the next batch.
        const whole = stream.length - (stream.length % READ);
        const limit = stream.subarray(0, whole);
        const saved = stream;
        stream = limit;
        start = process.cpuUsage();
        let plaintext = 0;
        while (at < whole || (server.tlsService as unknown as { inner: { engine: EngineView } }).inner.engine.hasPlaintext) {
          plaintext += (await server.receiveBytes(READ)).length;
        }
        open += cpuMs(start);
        stream = saved;
        if (plaintext === 0) throw new Error('service: nothing received');
      }
      const mb = (Math.ceil(calls / batch) * batch * CHUNK) / 1e6;
      return { seal: seal / mb, open: open / mb };
    },

    async tcp(megabytes) {
      const bytes = Math.ceil((megabytes * 1e6) / CHUNK) * CHUNK;
      const port = await serverPort;
      const client = await Connection.toServer(await connectTCP({ host: '127.0.0.1', port }), clientConfiguration());
      const header = new Uint8Array(8);
      new DataView(header.buffer).setBigUint64(0, BigInt(bytes));
      const measured = new Promise<number>((done) => serverProcess.once('message', (m: { cpuMs: number }) => done(m.cpuMs)));
      const start = process.cpuUsage();
      await client.sendBytes(header);
      for (let sent = 0; sent < bytes; sent += CHUNK) await client.sendBytes(chunk);
      const done = await receiveExactly(client, 4);
      const sender = cpuMs(start);
      if (new TextDecoder().decode(done) !== 'DONE') throw new Error('expected DONE');
      await client.close();
      return { sender: sender / (bytes / 1e6), receiver: (await measured) / (bytes / 1e6) };
    },
    stop() {
      serverProcess.kill();
    },
  };
}

/** The server process: accepts connections of build `root`; each reads an 8-byte length, then that many bytes, reports its CPU for them over IPC, answers DONE. */
async function serve(root: string, backend: string): Promise<void> {
  const { Connection, serviceFrom, raw, backends, receiveExactly } = await loadBuildModules(root);
  const { TCPRawConnection } = raw;
  const container = backends.benchContainer(backend);
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    void (async () => {
      const connection = await Connection.fromClient(TCPRawConnection.fromSocket(socket), { ...backends.benchServerConfiguration(), service: serviceFrom(container) });
      const header = await receiveExactly(connection, 8);
      const start = process.cpuUsage();
      let left = Number(new DataView(header.buffer, header.byteOffset, 8).getBigUint64(0));
      while (left > 0) {
        const bytes = await connection.receiveBytes(READ);
        if (bytes.length === 0) throw new Error('ended early');
        left -= bytes.length;
      }
      process.send!({ cpuMs: cpuMs(start) });
      await connection.sendBytes(new TextEncoder().encode('DONE'));
      await connection.receiveBytes(1).catch(() => undefined);
      await connection.close();
    })().catch((error: unknown) => {
      console.error('record-ab server:', error);
      process.exit(1);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('disconnect', () => process.exit(0));
}

/** The two figures of a result, in the order the section names them. */
function pair<K extends string>(result: Readonly<Record<K, number>>, a: K, b: K): readonly [number, number] {
  return [result[a], result[b]];
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
      serve: { type: 'string' },
      /** `service`: 64 KiB sendBytes calls made before the receiver reads them. */
      batch: { type: 'string', default: '1' },
    },
  });
  if (values.serve) return serve(values.serve, values.backend!);
  const megabytes = Number(values.mb);
  if (values.once) {
    const [root = '.', mode = 'tcp'] = positionals;
    const build = await loadBuild(root, values.backend!, values.suite!);
    const run = { tcp: () => build.tcp(megabytes), service: () => build.service(megabytes, Number(values.batch)), engine: () => build.engine(megabytes), primitive: async () => build.primitive(megabytes) }[mode];
    if (!run) throw new Error(`--once ROOT tcp|service|engine|primitive, not ${mode}`);
    console.log(mode, await run());
    build.stop();
    return;
  }
  const roots = values.builds!.split(',').filter(Boolean);
  const builds = await Promise.all(roots.map((root) => loadBuild(root, values.backend!, values.suite!)));
  const only = new Set(values.only!.split(','));
  const label = `${values.backend} ${values.suite}`;
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  // Each section: its measure (4 MB for the warm-up, then `megabytes`) and the names of its two figures.
  const sections = [
    { name: 'primitive', figures: ['primitive seal', 'primitive open'], run: async (b: Build, mb: number) => pair(b.primitive(mb), 'seal', 'open') },
    { name: 'engine', figures: ['engine seal', 'engine open'], run: async (b: Build, mb: number) => pair(await b.engine(mb), 'seal', 'open') },
    { name: 'service', figures: ['service send', 'service receive'], run: async (b: Build, mb: number) => pair(await b.service(mb, batch), 'seal', 'open') },
    { name: 'tcp', figures: ['tcp sender process', 'tcp receiver process'], run: async (b: Build, mb: number) => pair(await b.tcp(mb), 'sender', 'receiver') },
  ] as const;
  for (const section of sections) {
    if (!only.has(section.name)) continue;
    const [first, second] = await interleaved(builds.length, rounds, (i, warmup) => section.run(builds[i]!, warmup ? 4 : megabytes));
    console.log(line(`${label} ${section.figures[0]}`, first));
    console.log(line(`${label} ${section.figures[1]}`, second));
  }
  for (const build of builds) build.stop();
}

if (isMainScript(import.meta.url)) await main();
