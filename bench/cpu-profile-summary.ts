/**
 * Summarises a V8 CPU profile (`.cpuprofile`, e.g. from `bench/handshake-profile.ts --cpu-prof`) by
 * where the busy time went: crypto (OpenSSL, its JS wrappers, @noble), the engine, Node's
 * net/stream internals, socket syscalls, GC. Shares are of non-idle samples.
 * Run: `node dist/bench/cpu-profile-summary.js FILE [handshakes]`. Not part of `npm test`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Native functions of node:crypto's bindings (key import, DH, ciphers, hashes, jobs). */
const NATIVE_CRYPTO = new Set(['initEDRaw', 'statelessDH', 'init', 'initiv', 'digest', 'update', 'Hmac', 'CipherBase', 'signOneShot', 'exportJwk', 'run', 'RandomBytesJob', 'final', 'getAuthTag', 'setAAD', 'setAuthTag', 'Hash', 'Sign', 'dispatch']);
const SOCKET_CALLS = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'shutdown', 'close', 'readStop', 'readStart', 'setNoDelay']);

/** The category of one profile node. */
export function categoryOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (!url && SOCKET_CALLS.has(functionName)) return 'socket syscalls (write, close, shutdown)';
  if (!url && NATIVE_CRYPTO.has(functionName)) return 'crypto, native (OpenSSL)';
  if (url.includes('node_modules/@noble/')) return 'crypto, @noble (JS)';
  if (url.includes('node:internal/crypto') || url.includes('node:crypto')) return 'crypto, node:crypto JS wrappers';
  if (url.includes('/dist/src/crypto/')) return 'crypto provider glue (src/crypto)';
  if (url.includes('/dist/adapters/noble/record/')) return 'engine: record layer';
  if (url.includes('/dist/adapters/noble/')) return 'engine: handshake, codec, service';
  if (url.includes('/dist/src/x509/')) return 'X.509';
  if (url.includes('/dist/')) return 'tlsservice other (connection, raw TCP, config, DI, bench)';
  if (url.includes('node_modules/')) return 'other dependencies';
  if (url.startsWith('node:')) return 'Node.js JS internals (net, streams, timers, promises)';
  return 'other native / (program)';
}

function main(): void {
  const [file, handshakes] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary FILE [handshakes]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byCategory = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const category = categoryOf(nodes.get(id)!);
    byCategory.set(category, (byCategory.get(category) ?? 0) + delta);
    total += delta;
  });
  const busy = total - (byCategory.get('idle') ?? 0);
  const count = Number(handshakes ?? 0);
  console.log(`busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled${count ? `, ${count} handshakes` : ''}`);
  console.log('| where | share of busy time |');
  console.log('|---|---|');
  for (const [category, time] of [...byCategory].filter(([c]) => c !== 'idle').sort((a, b) => b[1] - a[1])) {
    console.log(`| ${category} | ${((100 * time) / busy).toFixed(1)}% |`);
  }
}

main();
