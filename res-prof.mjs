import { Connection } from './dist/src/connection.js';
import { serviceFrom } from './dist/src/di/container.js';
import { memoryPair } from './dist/src/raw/memory.js';
import { benchClientConfiguration, benchContainer, benchServerConfiguration } from './dist/bench/backends.js';
const backend = process.argv[2] ?? 'noble+node-crypto';
const resumedMode = process.argv[3] !== 'full';
async function once(session) {
  const container = benchContainer(backend);
  const [a, b] = memoryPair({ name: 'x' });
  const [client, server] = await Promise.all([
    Connection.toServer(a, { ...benchClientConfiguration(), ...(session ? { session } : {}), service: serviceFrom(container) }),
    Connection.fromClient(b, { ...benchServerConfiguration(), ticketKeys: new Uint8Array(48).fill(1), service: serviceFrom(container) }),
  ]);
  const arrived = new Promise((resolve) => client.sessions.onSession(() => resolve()));
  await client.sendBytes(Uint8Array.of(1)); await server.receiveBytes(1);
  await server.sendBytes(Uint8Array.of(2)); await client.receiveBytes(1);
  if (!session || backend !== 'node-tls') await Promise.race([arrived, new Promise((r) => setTimeout(r, 200))]);
  const next = client.sessions.getSession();
  const resumed = server.negotiated.resumed;
  await client.close(); await server.receiveBytes(1); await server.close(); await client.receiveBytes(1).catch(() => undefined);
  return { next, resumed };
}
let s = resumedMode ? (await once()).next : undefined; const first = s;
for (let i = 0; i < 100; i++) { const r = await once(s); if (resumedMode) s = r.next ?? first; }
const c0 = process.cpuUsage(); const t0 = performance.now(); let n = 0, res = 0;
const inspector = await import('node:inspector'); const fs = await import('node:fs');
const sess = new inspector.Session(); sess.connect();
const post = (m, p = {}) => new Promise((ok, no) => sess.post(m, p, (e, r) => (e ? no(e) : ok(r))));
await post('Profiler.enable'); await post('Profiler.start');
while (performance.now() - t0 < 4000) { const r = await once(s); if (resumedMode) s = r.next ?? first; n++; if (r.resumed) res++; }
const { profile } = await post('Profiler.stop');
fs.writeFileSync(`/tmp/prof/res-${backend.replace(/\W/g,'_')}-${resumedMode?'resumed':'full'}.cpuprofile`, JSON.stringify(profile));
const c = process.cpuUsage(c0);
console.log(backend, resumedMode ? 'resumed' : 'full', (n / ((performance.now() - t0) / 1000)).toFixed(1), '/s', ((c.user + c.system) / 1000 / n).toFixed(2), 'ms CPU per hs', res, 'resumed of', n);
