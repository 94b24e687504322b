/**
 * Resumption from the command line, across real processes (RFC 8446 sections 2.2, 2.3):
 * two `tlsservice server` processes loading one `ticket-keys` file resume each other's
 * tickets (openssl s_client -sess_out / -sess_in, and our client's --sess-out /
 * --sess-in printing `resumed: yes`); after a rotation old tickets resume until their
 * key's decrypt-only lifetime ends, then fall back; `--workers 2` resumes across
 * node:cluster workers; `--early-data` sends and accepts 0-RTT.
 */
import test from 'ava';
import { certs, cli, run, startServer } from './cli-process.js';
import { join } from 'node:path';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ca = join(certs, 'ca.pem');

/** openssl s_client once against `port`; returns `New` or `Reused`. */
async function sClient(port: number, sessionArgs: string[], version: '1_2' | '1_3' = '1_3'): Promise<string> {
  const result = await run('openssl', ['s_client', `-tls${version}`, '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', ca, ...sessionArgs], 'ping\n', /^ping$/m);
  const match = new RegExp(`^(New|Reused), TLSv${version.replace('_', '\\.')}`, 'm').exec(result.stdout);
  if (!match) throw new Error(`s_client did not handshake (install openssl if it is missing): ${result.stdout}${result.stderr}`);
  return match[1]!;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cli-resumption-'));
}

test.serial('[cli] two server processes sharing a ticket-keys file resume each other\'s tickets', async (t) => {
  const dir = tempDir();
  const keys = join(dir, 'keys.json');
  const session = join(dir, 'session.pem');
  const ours = join(dir, 'session.bin');
  const made = await run(process.execPath, [cli, 'ticket-keys', '--out', keys]);
  t.is(made.code, 0, made.stderr);
  const a = await startServer(['--backend', 'noble', '--ticket-keys', keys]);
  const b = await startServer(['--backend', 'noble', '--ticket-keys', keys]);
  const other = await startServer(['--backend', 'noble']);
  try {
    t.is(await sClient(a.port, ['-sess_out', session]), 'New');
    t.is(await sClient(b.port, ['-sess_in', session]), 'Reused', 'a ticket of process A resumes on process B');
    t.is(await sClient(other.port, ['-sess_in', session]), 'New', 'a server with other keys does a full handshake');

    const first = await run(process.execPath, [cli, 'client', `localhost:${a.port}`, '--backend', 'noble', '--ca', ca, '--sess-out', ours], 'hello\n');
    t.is(first.code, 0, first.stderr);
    t.regex(first.stderr, /resumed: +no/);
    const second = await run(process.execPath, [cli, 'client', `localhost:${b.port}`, '--backend', 'noble', '--ca', ca, '--sess-in', ours], 'hello\n');
    t.is(second.code, 0, second.stderr);
    t.regex(second.stderr, /resumed: +yes/);
    t.is(second.stdout, 'hello\n');
  } finally {
    for (const s of [a, b, other]) s.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('[cli] TLS 1.2 tickets (RFC 5077) resume across server processes sharing a ticket-keys file; --sess-out / --sess-in at --max-version TLSv1.2', async (t) => {
  const dir = tempDir();
  const keys = join(dir, 'keys.json');
  const session = join(dir, 'session.pem');
  const ours = join(dir, 'session.bin');
  t.is((await run(process.execPath, [cli, 'ticket-keys', '--out', keys])).code, 0);
  const a = await startServer(['--backend', 'noble', '--ticket-keys', keys]);
  const b = await startServer(['--backend', 'noble', '--ticket-keys', keys]);
  try {
    t.is(await sClient(a.port, ['-sess_out', session], '1_2'), 'New');
    t.is(await sClient(b.port, ['-sess_in', session], '1_2'), 'Reused', 'a TLS 1.2 ticket of process A resumes on process B');
    const client = [cli, 'client', '--backend', 'noble', '--ca', ca, '--max-version', 'TLSv1.2'];
    const first = await run(process.execPath, [...client, `localhost:${a.port}`, '--sess-out', ours], 'hello\n');
    t.is(first.code, 0, first.stderr);
    t.regex(first.stderr, /TLSv1\.2/);
    t.regex(first.stderr, /resumed: +no/);
    const second = await run(process.execPath, [...client, `localhost:${b.port}`, '--sess-in', ours], 'hello\n');
    t.is(second.code, 0, second.stderr);
    t.regex(second.stderr, /resumed: +yes/);
    t.is(second.stdout, 'hello\n');
  } finally {
    for (const s of [a, b]) s.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('[cli] after rotation old tickets resume until their key\'s decrypt-only lifetime ends, then fall back', async (t) => {
  const dir = tempDir();
  const keys = join(dir, 'keys.json');
  const session = join(dir, 'session.pem');
  t.is((await run(process.execPath, [cli, 'ticket-keys', '--out', keys, '--encrypt-lifetime', '12', '--decrypt-lifetime', '6'])).code, 0);
  const created = Date.now();
  const server = await startServer(['--backend', 'noble', '--ticket-keys', keys]);
  try {
    t.is(await sClient(server.port, ['-sess_out', session]), 'New');
    t.is((await run(process.execPath, [cli, 'ticket-keys', '--out', keys])).code, 0, 'rotate: a second key');
    await new Promise((r) => setTimeout(r, 2500)); // the server polls the file every second
    t.is(await sClient(server.port, ['-sess_in', session]), 'Reused', 'the old key still decrypts');
    // Lifetimes long enough for a slow start under load: the first ticket must be sealed inside the first 12 s.
    const retired = created + 18_000 + 1500 - Date.now();
    if (retired > 0) await new Promise((r) => setTimeout(r, retired));
    t.is(await sClient(server.port, ['-sess_in', session]), 'New', 'past encrypt + decrypt-only lifetime: full handshake');
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('[cli] server --workers 2: tickets resume on whichever worker accepts', async (t) => {
  const dir = tempDir();
  const session = join(dir, 'session.pem');
  const server = await startServer(['--backend', 'noble', '--workers', '2']);
  try {
    t.regex(server.output(), /\(2 workers\)/);
    t.is(await sClient(server.port, ['-sess_out', session]), 'New');
    const results: string[] = [];
    for (let i = 0; i < 6; i++) results.push(await sClient(server.port, ['-sess_in', session]));
    t.deepEqual(results, Array(6).fill('Reused'));
    await new Promise((r) => setTimeout(r, 300));
    const workers = new Set([...server.output().matchAll(/accepted by worker (\d+)/g)].map((m) => m[1]));
    t.is(workers.size, 2, `connections went to both workers: ${[...workers].join(', ')}`);
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('[cli] client --early-data against server --early-data: 0-RTT accepted', async (t) => {
  const dir = tempDir();
  const ours = join(dir, 'session.bin');
  const early = join(dir, 'early.txt');
  writeFileSync(early, 'early line\n');
  const server = await startServer(['--backend', 'noble', '--early-data', '16384']);
  try {
    const first = await run(process.execPath, [cli, 'client', `localhost:${server.port}`, '--backend', 'noble', '--ca', ca, '--sess-out', ours], 'hello\n');
    t.is(first.code, 0, first.stderr);
    const second = await run(process.execPath, [cli, 'client', `localhost:${server.port}`, '--backend', 'noble', '--ca', ca, '--sess-in', ours, '--early-data', early], 'late line\n');
    t.is(second.code, 0, second.stderr);
    t.regex(second.stderr, /resumed: +yes/);
    t.regex(second.stderr, /early data: +accepted/);
    t.is(second.stdout, 'early line\nlate line\n', 'the echo server answered the early data and then the rest');
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
