/**
 * Counts the node:crypto calls one TLS 1.3 handshake makes on the noble + node:crypto backend
 * (client and server together, in one process over an in-memory pair, a fresh service per
 * connection as bench/handshake-ab.ts runs them), full and resumed. node:crypto's exported
 * functions (and `Hash.prototype.copy`) are wrapped before the build under test is loaded, so
 * its ESM imports see the counting versions. `--by-caller` splits each count by the engine
 * files on the stack. Run: `node dist/bench/handshake-calls.js [--build ROOT] [--by-caller]`.
 * Not part of `npm test`.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const COUNTED = [
  'createHash',
  'createHmac',
  'createCipheriv',
  'createDecipheriv',
  'createPrivateKey',
  'createPublicKey',
  'diffieHellman',
  'sign',
  'verify',
  'privateDecrypt',
  'randomFillSync',
  'createECDH',
] as const;
/** Handshakes counted per kind, after a warm-up. */
const HANDSHAKES = 20;
const TICKET_KEYS = new Uint8Array(48).fill(7);

const { values } = parseArgs({ options: { build: { type: 'string', default: '.' }, 'by-caller': { type: 'boolean', default: false } } });
const byCaller = values['by-caller']!;
const counts = new Map<string, number>();
let counting = false;

function count(name: string): void {
  if (!counting) return;
  let key = name;
  if (byCaller) {
    const files = (new Error().stack ?? '').match(/adapters\/noble\/[a-z0-9-]+\.js/g) ?? [];
    key += ` @ ${files.slice(0, 3).map((f) => f.slice('adapters/noble/'.length, -3)).join(' < ')}`;
  }
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

const nodeCrypto = createRequire(import.meta.url)('node:crypto') as Record<string, (...args: unknown[]) => unknown>;
for (const name of COUNTED) {
  const original = nodeCrypto[name]!;
  nodeCrypto[name] = function (this: unknown, ...args: unknown[]) {
    count(name);
    return original.apply(this, args);
  };
}
const hashPrototype = Object.getPrototypeOf(nodeCrypto.createHash!('sha256')) as { copy: (...args: unknown[]) => unknown };
const originalCopy = hashPrototype.copy;
hashPrototype.copy = function (this: unknown, ...args: unknown[]) {
  count('Hash.copy');
  return originalCopy.apply(this, args);
};
syncBuiltinESMExports();

const dist = resolve(values.build!, 'dist');
const { Connection } = (await import(`${dist}/src/connection.js`)) as typeof import('../src/connection.js');
const { serviceFrom } = (await import(`${dist}/src/di/container.js`)) as typeof import('../src/di/container.js');
const { memoryPair } = (await import(`${dist}/src/raw/memory.js`)) as typeof import('../src/raw/memory.js');
const backends = (await import(`${dist}/bench/backends.js`)) as typeof import('./backends.js');
const { receiveExactly } = (await import(`${dist}/bench/tcp-client.js`)) as typeof import('./tcp-client.js');
const container = backends.benchContainer(backends.NOBLE_ON_NODE_CRYPTO);

/** One handshake, a byte each way and close; the session for the next resumption. */
async function handshake(session: Uint8Array | undefined): Promise<{ next: Uint8Array | undefined; resumed: boolean }> {
  const [clientRaw, serverRaw] = memoryPair({ name: 'handshake-calls' });
  const serverReady = Connection.fromClient(serverRaw, { ...backends.benchServerConfiguration(), ticketKeys: TICKET_KEYS, service: serviceFrom(container) });
  const client = await Connection.toServer(clientRaw, { ...backends.benchClientConfiguration(), ...(session ? { session } : {}), service: serviceFrom(container) });
  let received: Uint8Array | undefined;
  const arrived = new Promise<void>((done) => client.sessions.onSession((s) => ((received = s), done())));
  await client.sendBytes(Uint8Array.of(1));
  const server = await serverReady;
  await receiveExactly(server, 1);
  await server.sendBytes(Uint8Array.of(2));
  await receiveExactly(client, 1);
  await arrived;
  const resumed = client.sessions.isSessionReused();
  await Promise.all([client.close(), server.receiveBytes(1).then(() => server.close())]);
  return { next: client.sessions.getSession() ?? received, resumed };
}

let session: Uint8Array | undefined;
for (let i = 0; i < 5; i++) session = (await handshake(session)).next;
for (const kind of ['full', 'resumed'] as const) {
  counts.clear();
  counting = true;
  for (let i = 0; i < HANDSHAKES; i++) {
    const out = await handshake(kind === 'resumed' ? session : undefined);
    if (kind === 'resumed') {
      if (!out.resumed) throw new Error('a handshake meant to resume did not');
      session = out.next;
    }
  }
  counting = false;
  console.log(`${kind} handshake, client + server: node:crypto calls per handshake`);
  let total = 0;
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) {
    total += n;
    console.log(`${(n / HANDSHAKES).toFixed(2).padStart(7)}  ${name}`);
  }
  console.log(`${(total / HANDSHAKES).toFixed(2).padStart(7)}  total`);
}
