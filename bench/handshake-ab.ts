/**
 * A/B of handshake CPU between two builds (each a checkout with `dist/` built): client and
 * server in one process over an in-memory pair (`Connection`, a fresh service per connection,
 * as bench/resumption-rate.ts does), full and resumed, the builds interleaved window by
 * window, in alternating order (bench/ab.ts roundOrder), so a loaded machine hits both alike. Prints client+server CPU per handshake (min and
 * median over the windows) with the load average.
 *
 * Run: `node dist/bench/handshake-ab.js --builds /path/a,/path/b [--rounds 8] [--ms 1500]
 * [--backend noble+node-crypto]`. For instruction counts (steady under load), run one build
 * under callgrind twice with different counts and subtract:
 * `valgrind --tool=callgrind --callgrind-out-file=/dev/null node dist/bench/handshake-ab.js --once . resumed 25`
 * (and `... 5`); (Ir(25) - Ir(5)) / 20 is the instructions per handshake. Not part of `npm test`.
 */
import { parseArgs } from 'node:util';
import { cpuMs, line, loadBuildModules, roundOrder } from './ab.js';

const PING = Uint8Array.of(1);
const PONG = Uint8Array.of(2);
/** The same 48-byte ticket key in both builds. */
const TICKET_KEYS = new Uint8Array(48).fill(7);

type Kind = 'full' | 'resumed';
type Handshake = (session: Uint8Array | undefined) => Promise<{ next: Uint8Array | undefined; resumed: boolean }>;

/** One build's handshake: its own modules, loaded from `root/dist`. */
async function loadBuild(root: string, backend: string): Promise<Handshake> {
  const { Connection, serviceFrom, memoryPair, backends, receiveExactly } = await loadBuildModules(root);
  const container = backends.benchContainer(backend);
  return async (session) => {
    const [clientRaw, serverRaw] = memoryPair({ name: 'handshake-ab' });
    const serverReady = Connection.fromClient(serverRaw, { ...backends.benchServerConfiguration(), ticketKeys: TICKET_KEYS, service: serviceFrom(container) });
    const client = await Connection.toServer(clientRaw, { ...backends.benchClientConfiguration(), ...(session ? { session } : {}), service: serviceFrom(container) });
    let received: Uint8Array | undefined;
    const arrived = new Promise<void>((done) => client.sessions.onSession((s) => ((received = s), done())));
    await client.sendBytes(PING);
    const server = await serverReady;
    await receiveExactly(server, 1);
    await server.sendBytes(PONG);
    await receiveExactly(client, 1);
    await arrived;
    const resumed = client.sessions.isSessionReused();
    await Promise.all([client.close(), server.receiveBytes(1).then(() => server.close())]);
    return { next: client.sessions.getSession() ?? received, resumed };
  };
}

/** CPU ms per handshake over a window of `ms` (after a short warm-up). */
async function window(handshake: Handshake, kind: Kind, ms: number): Promise<number> {
  let session = kind === 'resumed' ? (await handshake(undefined)).next : undefined;
  for (let i = 0; i < 5; i++) {
    const out = await handshake(session);
    if (kind === 'resumed') session = out.next;
  }
  const start = performance.now();
  const cpu = process.cpuUsage();
  let count = 0;
  while (performance.now() - start < ms) {
    const out = await handshake(session);
    if (kind === 'resumed') {
      if (!out.resumed) throw new Error('a handshake meant to resume did not');
      session = out.next;
    }
    count++;
  }
  return cpuMs(cpu) / count;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      builds: { type: 'string' },
      rounds: { type: 'string', default: '8' },
      ms: { type: 'string', default: '1500' },
      backend: { type: 'string', default: 'noble+node-crypto' },
      once: { type: 'boolean', default: false },
    },
  });
  const backend = values.backend!;
  if (values.once) {
    // --once ROOT KIND N: N handshakes and nothing else (for instruction counting).
    const [root = '.', kind = 'full', n = '10'] = positionals;
    const handshake = await loadBuild(root, backend);
    let session = kind === 'resumed' ? (await handshake(undefined)).next : undefined;
    for (let i = 0; i < Number(n); i++) {
      const out = await handshake(session);
      if (kind === 'resumed') session = out.next;
    }
    return;
  }
  const roots = (values.builds ?? '').split(',').filter(Boolean);
  if (roots.length < 2) throw new Error('--builds a,b: two checkouts with dist/ built');
  const builds = await Promise.all(roots.map((root) => loadBuild(root, backend)));
  for (const kind of ['full', 'resumed'] as const) {
    const results = builds.map((): number[] => []);
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const i of roundOrder(builds.length, round)) results[i]!.push(await window(builds[i]!, kind, Number(values.ms)));
    }
    console.log(line(`${backend} ${kind}: client+server`, results, 'CPU ms per handshake'));
  }
}

await main();
