/**
 * The `tlsservice` command's manners: `--version`, per-command `--help`, one-line errors
 * with exit code 1 (an unknown option, a missing file, EADDRINUSE), a warning for
 * `--insecure`, and an SSLKEYLOGFILE created with mode 0600 and announced on stderr.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { localhostECDSA } from '../fixtures/certs.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'src', 'cli', 'main.js');
const root = join(here, '..', '..', '..');
const certs = join(root, 'test', 'fixtures', 'certs');

async function tlsservice(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

test('--version prints the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const result = await tlsservice(['--version']);
  t.is(result.code, 0);
  t.is(result.stdout.trim(), version);
});

test('each command has its own --help', async (t) => {
  for (const [command, first] of [['server', /^Usage: tlsservice server/], ['client', /^Usage: tlsservice client/], ['bench', /^Usage: tlsservice bench/]] as const) {
    const result = await tlsservice([command, '--help']);
    t.is(result.code, 0);
    t.regex(result.stdout, first);
  }
});

test('errors are one line on stderr with exit code 1', async (t) => {
  for (const args of [['server', '--bogus'], ['server', '--cert', 'missing.pem', '--key', 'missing.pem'], ['nonsense'], ['client', 'localhost:1', '--backend', 'wat']]) {
    const result = await tlsservice(args);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    t.regex(result.stderr, /^tlsservice: /);
  }
});

test('a port in use is one line naming EADDRINUSE, exit code 1', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const result = await tlsservice(['server', '--port', String(port), '--cert', join(certs, 'localhost-ecdsa.pem'), '--key', join(certs, 'localhost-ecdsa.key.pem')]);
    t.is(result.code, 1);
    t.regex(result.stderr, new RegExp(`^tlsservice: 127\\.0\\.0\\.1:${port} is already in use \\(EADDRINUSE\\)`));
    t.is(result.stderr.trim().split('\n').length, 1);
  } finally {
    blocker.close();
  }
});

test('client --insecure warns, and SSLKEYLOGFILE is created with mode 0600 and announced', async (t) => {
  const server = tls.createServer({ key: localhostECDSA.key, cert: localhostECDSA.cert }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const directory = mkdtempSync(join(tmpdir(), 'tlsservice-keylog-'));
  const keylog = join(directory, 'keys.log');
  try {
    const result = await tlsservice(['client', `localhost:${port}`, '--backend', 'noble', '--insecure'], { SSLKEYLOGFILE: keylog });
    t.regex(result.stderr, /warning: --insecure/);
    t.regex(result.stderr, /writing TLS session secrets to .*keys\.log.*0600/);
    t.is(statSync(keylog).mode & 0o777, 0o600);
    t.regex(readFileSync(keylog, 'utf8'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET /m);
  } finally {
    server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});
