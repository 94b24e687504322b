/**
 * Resumption interop with OpenSSL as a real peer (RFC 8446 sections 2.2, 4.2.11, 4.6.1):
 * `openssl s_client -sess_out` then `-sess_in` resumes against our server, and our
 * client resumes against `openssl s_server` with the session its first connection
 * received; psk_ke where both sides are told to allow it; node:tls clients and servers
 * resume with us both ways; the same at TLS 1.2 with RFC 5077 tickets. Each child is killed when its
 * test ends.
 */
import test, { type ExecutionContext } from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { connectTCP } from '../../src/raw/tcp.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';
import { caPem } from './fixtures.js';
import { startNobleServer } from './tcp-server.js';
import { freePort, killPeer as kill, spawnPeer, waitForOutput as waitFor, waitForExit, receiveLine } from '../peers.js';

const openssl = (args: string[]) => spawnPeer('openssl', args);

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
const text = (s: string) => new TextEncoder().encode(s);
const readFixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');

function requireOpenssl(t: ExecutionContext): boolean {
  if (opensslAvailable) return true;
  t.fail('openssl CLI not found: apt-get install openssl to run the interop tests');
  return false;
}





/** A noble server answering each line in upper case; records whether each connection resumed. */
async function nobleServer(options: Partial<ServerConfiguration> = {}) {
  const resumed: boolean[] = [];
  const config: ServerConfiguration = { cert: readFixture('ecdsa.pem'), key: readFixture('ecdsa-key.pem'), ...options };
  const server = await startNobleServer(config, { onNegotiated: (service) => resumed.push(service.isSessionReused()) });
  return { port: server.port, resumed, errors: server.errors, close: server.close };
}

/** Runs s_client once with `line` on stdin and returns its output when it exits. */
async function sClient(port: number, extra: string[], line: string, version = '-tls1_3'): Promise<string> {
  const client = openssl([
    's_client', version, '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', `${fixtures}ca.pem`,
    '-verify_return_error', '-ign_eof', ...extra,
  ]);
  try {
    client.child.stdin!.end(`${line}\n`);
    await waitForExit(client, 's_client', 15000);
    return client.output();
  } finally {
    kill(client.child);
  }
}

for (const mode of ['psk_dhe_ke', 'psk_ke'] as const) {
  test.serial(`openssl s_client -sess_out / -sess_in resumes against the noble server (${mode})`, async (t) => {
    if (!requireOpenssl(t)) return;
    const server = await nobleServer(mode === 'psk_ke' ? { pskKeyExchangeModes: ['psk_ke'] } : {});
    const session = `${tmpdir()}/noble-resume-${server.port}.pem`;
    const modeArgs = mode === 'psk_ke' ? ['-allow_no_dhe_kex'] : [];
    try {
      const first = await sClient(server.port, ['-sess_out', session, ...modeArgs], 'first');
      t.regex(first, /FIRST/);
      t.regex(first, /New, TLSv1\.3/);
      const second = await sClient(server.port, ['-sess_in', session, ...modeArgs], 'second');
      t.regex(second, /SECOND/);
      t.regex(second, /Reused, TLSv1\.3/);
      t.deepEqual(server.resumed, [false, true]);
      if (mode === 'psk_ke') t.notRegex(second, /Server Temp Key/, 'no (EC)DHE in psk_ke');
      t.deepEqual(server.errors, []);
    } finally {
      server.close();
      rmSync(session, { force: true });
    }
  });
}

test.serial('openssl s_client with a session from a server with other ticket keys gets a full handshake', async (t) => {
  if (!requireOpenssl(t)) return;
  const a = await nobleServer({ ticketKeys: new Uint8Array(48).fill(1) });
  const b = await nobleServer({ ticketKeys: new Uint8Array(48).fill(2) });
  const session = `${tmpdir()}/noble-resume-other-${a.port}.pem`;
  try {
    await sClient(a.port, ['-sess_out', session], 'first');
    const second = await sClient(b.port, ['-sess_in', session], 'second');
    t.regex(second, /SECOND/);
    t.regex(second, /New, TLSv1\.3/);
    t.deepEqual(b.resumed, [false]);
  } finally {
    a.close();
    b.close();
    rmSync(session, { force: true });
  }
});

/** One connection of our client to s_server: a line out, the reversed line back, then the newest session. */
async function nobleClientExchange(port: number, options: ClientConfiguration) {
  const client = new NobleTLSService();
  const sessions: Uint8Array[] = [];
  client.onSession((s) => sessions.push(s));
  await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { ca: caPem, servername: 'localhost', ...options });
  await client.sendBytes(text('hello openssl\n'));
  const reply = await receiveLine(client);
  const result = { reply: reply.trim(), resumed: client.isSessionReused(), session: client.getSession(), sessions, group: client.negotiated.group };
  await client.close();
  return result;
}

for (const mode of ['psk_dhe_ke', 'psk_ke'] as const) {
  test.serial(`noble client resumes against openssl s_server (${mode})`, async (t) => {
    if (!requireOpenssl(t)) return;
    const port = await freePort();
    const server = openssl([
      's_server', '-tls1_3', '-accept', String(port), '-naccept', '2', '-rev',
      '-cert', `${fixtures}ecdsa.pem`, '-key', `${fixtures}ecdsa-key.pem`,
      ...(mode === 'psk_ke' ? ['-allow_no_dhe_kex'] : []),
    ]);
    const modes: ClientConfiguration = mode === 'psk_ke' ? { pskKeyExchangeModes: ['psk_ke'] } : {};
    try {
      await waitFor(server.output, /ACCEPT/);
      const first = await nobleClientExchange(port, modes);
      t.is(first.reply, 'lssnepo olleh');
      t.false(first.resumed);
      t.is(first.sessions.length, 2, "OpenSSL's two tickets, each announced");
      t.truthy(first.session);
      const second = await nobleClientExchange(port, { ...modes, session: first.session });
      t.is(second.reply, 'lssnepo olleh');
      t.true(second.resumed);
      t.is(second.group, mode === 'psk_ke' ? undefined : 'X25519');
    } finally {
      kill(server.child);
    }
  });
}

// --- node:tls (OpenSSL through Node) as the peer ---

/** A node:tls server answering each line reversed, recording whether each connection resumed. */
async function nodeReversingServer(versions: Pick<tls.TlsOptions, 'minVersion' | 'maxVersion'>) {
  const reusedOnServer: boolean[] = [];
  const server = tls.createServer({ cert: readFixture('ecdsa.pem'), key: readFixture('ecdsa-key.pem'), ...versions }, (socket) => {
    reusedOnServer.push(socket.isSessionReused());
    socket.on('data', (d: Buffer) => socket.write(d.toString().split('').reverse().join('').trim() + '\n'));
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, reusedOnServer };
}

/** A node:tls client exchange: resolves the sessions it received and whether it resumed. */
async function nodeClientExchange(
  port: number,
  session?: Buffer,
  version: tls.SecureVersion = 'TLSv1.3',
): Promise<{ reused: boolean; sessions: Buffer[]; reply: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem, minVersion: version, maxVersion: version, ...(session ? { session } : {}) });
  const sessions: Buffer[] = [];
  socket.on('session', (s: Buffer) => sessions.push(s));
  await once(socket, 'secureConnect');
  socket.write('node says hi');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  const reused = socket.isSessionReused();
  socket.end();
  await once(socket, 'close');
  return { reused, sessions, reply: reply.toString() };
}

test.serial('node:tls client resumes against the noble server with the session its first connection got', async (t) => {
  const server = await nobleServer();
  try {
    const first = await nodeClientExchange(server.port);
    t.is(first.reply, 'NODE SAYS HI');
    t.false(first.reused);
    t.is(first.sessions.length, 2, 'two tickets by default');
    const second = await nodeClientExchange(server.port, first.sessions.at(-1));
    t.true(second.reused);
    t.deepEqual(server.resumed, [false, true]);
    t.deepEqual(server.errors, []);
  } finally {
    server.close();
  }
});

test.serial('noble client resumes against a node:tls server', async (t) => {
  const { server, port, reusedOnServer } = await nodeReversingServer({ minVersion: 'TLSv1.3' });
  try {
    const first = await nobleClientExchange(port, {});
    t.false(first.resumed);
    t.true(first.sessions.length >= 1);
    const second = await nobleClientExchange(port, { session: first.session });
    t.true(second.resumed);
    t.deepEqual(reusedOnServer, [false, true]);
  } finally {
    server.close();
  }
});

// --- TLS 1.2 session tickets (RFC 5077) with OpenSSL and node:tls ---

test.serial('openssl s_client -tls1_2 -sess_out / -sess_in resumes against the noble server with a ticket (RFC 5077 section 3.1)', async (t) => {
  if (!requireOpenssl(t)) return;
  const server = await nobleServer();
  const session = `${tmpdir()}/noble-resume12-${server.port}.pem`;
  try {
    const first = await sClient(server.port, ['-sess_out', session], 'first', '-tls1_2');
    t.regex(first, /FIRST/);
    t.regex(first, /New, TLSv1\.2/);
    t.regex(first, /TLS session ticket lifetime hint: 7200/);
    const second = await sClient(server.port, ['-sess_in', session], 'second', '-tls1_2');
    t.regex(second, /SECOND/);
    t.regex(second, /Reused, TLSv1\.2/);
    t.deepEqual(server.resumed, [false, true]);
    t.deepEqual(server.errors, []);
  } finally {
    server.close();
    rmSync(session, { force: true });
  }
});

test.serial('openssl s_client -tls1_2 with a ticket from a server with other ticket keys gets a full handshake (RFC 5077 section 3.4)', async (t) => {
  if (!requireOpenssl(t)) return;
  const a = await nobleServer({ ticketKeys: new Uint8Array(48).fill(3) });
  const b = await nobleServer({ ticketKeys: new Uint8Array(48).fill(4) });
  const session = `${tmpdir()}/noble-resume12-other-${a.port}.pem`;
  try {
    await sClient(a.port, ['-sess_out', session], 'first', '-tls1_2');
    const second = await sClient(b.port, ['-sess_in', session], 'second', '-tls1_2');
    t.regex(second, /SECOND/);
    t.regex(second, /New, TLSv1\.2/);
    t.deepEqual(b.resumed, [false]);
    t.deepEqual(b.errors, []);
  } finally {
    a.close();
    b.close();
    rmSync(session, { force: true });
  }
});

test.serial('noble client resumes a TLS 1.2 session against openssl s_server -tls1_2 (RFC 5077 section 3.4)', async (t) => {
  if (!requireOpenssl(t)) return;
  const port = await freePort();
  const server = openssl([
    's_server', '-tls1_2', '-accept', String(port), '-naccept', '2', '-rev',
    '-cert', `${fixtures}ecdsa.pem`, '-key', `${fixtures}ecdsa-key.pem`,
  ]);
  try {
    await waitFor(server.output, /ACCEPT/);
    const first = await nobleClientExchange(port, {});
    t.is(first.reply, 'lssnepo olleh');
    t.false(first.resumed);
    t.is(first.sessions.length, 1, "OpenSSL's TLS 1.2 ticket, announced");
    const second = await nobleClientExchange(port, { session: first.session });
    t.is(second.reply, 'lssnepo olleh');
    t.true(second.resumed);
    t.is(second.group, undefined, 'no ECDHE in an abbreviated handshake');
  } finally {
    kill(server.child);
  }
});

test.serial('node:tls client at TLSv1.2 resumes against the noble server with its session (RFC 5077)', async (t) => {
  const server = await nobleServer();
  try {
    const first = await nodeClientExchange(server.port, undefined, 'TLSv1.2');
    t.is(first.reply, 'NODE SAYS HI');
    t.false(first.reused);
    t.is(first.sessions.length, 1);
    const second = await nodeClientExchange(server.port, first.sessions[0], 'TLSv1.2');
    t.true(second.reused);
    t.deepEqual(server.resumed, [false, true]);
    t.deepEqual(server.errors, []);
  } finally {
    server.close();
  }
});

test.serial('noble client resumes against a node:tls server pinned to TLSv1.2 (RFC 5077)', async (t) => {
  const { server, port, reusedOnServer } = await nodeReversingServer({ maxVersion: 'TLSv1.2' });
  try {
    const first = await nobleClientExchange(port, { maxVersion: 'TLSv1.2' });
    t.false(first.resumed);
    t.is(first.sessions.length, 1);
    const second = await nobleClientExchange(port, { maxVersion: 'TLSv1.2', session: first.session });
    t.true(second.resumed);
    t.deepEqual(reusedOnServer, [false, true]);
  } finally {
    server.close();
  }
});

// --- 0-RTT with OpenSSL (RFC 8446 sections 2.3, 4.2.10) ---

test.serial('openssl s_client -sess_in -early_data: the noble server accepts and serves the early data', async (t) => {
  if (!requireOpenssl(t)) return;
  const server = await nobleServer({ maxEarlyData: 16384 });
  const session = `${tmpdir()}/noble-early-${server.port}.pem`;
  const early = `${tmpdir()}/noble-early-${server.port}.txt`;
  try {
    await sClient(server.port, ['-sess_out', session], 'first');
    writeFileSync(early, 'early words\n');
    const second = await sClient(server.port, ['-sess_in', session, '-early_data', early], 'late words');
    t.regex(second, /Reused, TLSv1\.3/);
    t.regex(second, /Early data was accepted/);
    t.regex(second, /EARLY WORDS/, 'the server answered what arrived as early data');
    t.deepEqual(server.resumed, [false, true]);
    t.deepEqual(server.errors, []);
  } finally {
    server.close();
    rmSync(session, { force: true });
    rmSync(early, { force: true });
  }
});

test.serial('openssl s_client -early_data to a noble server without maxEarlyData: rejected, resumed anyway', async (t) => {
  if (!requireOpenssl(t)) return;
  const keys = new Uint8Array(48).fill(5);
  const allowing = await nobleServer({ maxEarlyData: 16384, ticketKeys: keys });
  const refusing = await nobleServer({ ticketKeys: keys });
  const session = `${tmpdir()}/noble-early-refused-${allowing.port}.pem`;
  const early = `${tmpdir()}/noble-early-refused-${allowing.port}.txt`;
  try {
    await sClient(allowing.port, ['-sess_out', session], 'first');
    writeFileSync(early, 'early words\n');
    const second = await sClient(refusing.port, ['-sess_in', session, '-early_data', early], 'late words');
    t.regex(second, /Reused, TLSv1\.3/);
    t.regex(second, /Early data was rejected/);
    t.regex(second, /LATE WORDS/);
    t.deepEqual(refusing.errors, [], 'the rejected early records were skipped, not an error');
  } finally {
    allowing.close();
    refusing.close();
    rmSync(session, { force: true });
    rmSync(early, { force: true });
  }
});

test.serial('noble client sends 0-RTT that openssl s_server -early_data accepts', async (t) => {
  if (!requireOpenssl(t)) return;
  const port = await freePort();
  const server = openssl([
    's_server', '-tls1_3', '-accept', String(port), '-naccept', '2', '-early_data', '-max_early_data', '16384',
    '-cert', `${fixtures}ecdsa.pem`, '-key', `${fixtures}ecdsa-key.pem`,
  ]);
  try {
    await waitFor(server.output, /ACCEPT/);
    const first = new NobleTLSService();
    const arrived = new Promise<void>((resolve) => first.onSession(() => resolve()));
    await first.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { ca: caPem, servername: 'localhost' });
    await first.sendBytes(text('first hello\n'));
    void first.receiveBytes(100).catch(() => undefined);
    await arrived;
    const session = first.getSession();
    await first.close();
    const second = new NobleTLSService();
    await second.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), {
      ca: caPem,
      servername: 'localhost',
      session,
      earlyData: text('zero round trip\n'),
    });
    t.true(second.isSessionReused());
    t.is(second.negotiated.earlyData, 'accepted');
    // s_server prints the early data on stdout and its markers on stderr, so their order in our capture varies.
    await waitFor(server.output, /Early data received:/);
    await waitFor(server.output, /zero round trip/);
    await second.close();
  } finally {
    kill(server.child);
  }
});
