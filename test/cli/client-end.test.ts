/**
 * How `tlsservice client` ends (RFC 8446 section 6.1), like `openssl s_client`: when the
 * server ends its direction it exits even though its stdin is still open: 0 after the
 * server's close_notify, 1 with a one-line "truncated" message after an end without it;
 * never a stack trace, never a hang. And `tlsservice server --handshake-timeout`.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { Listener } from '../../src/listener.js';
import type { Connection } from '../../src/connection.js';
import { localhostECDSA } from '../fixtures/certs.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'src', 'cli', 'main.js');
const certs = join(here, '..', '..', '..', 'test', 'fixtures', 'certs');
const encoder = new TextEncoder();

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI client against `port` with stdin held open (never ended); killed after 20 s. */
async function clientWithOpenStdin(port: number, backend: string, onStart?: (child: ChildProcess) => void): Promise<Outcome> {
  const child = spawn(process.execPath, [cli, 'client', `localhost:${port}`, '--backend', backend, '--ca', join(certs, 'ca.pem')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => undefined);
  onStart?.(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A noble Listener that runs `serve` on each connection. */
async function serverDoing(serve: (connection: Connection) => Promise<void>): Promise<Listener> {
  return Listener.listen({
    port: 0,
    createService: () => new NobleTLSService(),
    configuration: localhostECDSA,
    onConnection: (connection) => void serve(connection).catch(() => undefined),
  });
}

for (const backend of ['noble', 'node-tls']) {
  test(`[cli] client --backend ${backend}: the server's close_notify ends it with exit 0 while stdin is open`, async (t) => {
    const listener = await serverDoing(async (connection) => {
      await connection.sendBytes(encoder.encode('goodbye\n'));
      await connection.close();
    });
    try {
      const result = await clientWithOpenStdin(listener.address().port, backend);
      t.is(result.code, 0, result.stderr);
      t.is(result.stdout, 'goodbye\n');
      t.notRegex(result.stderr, /ERR_STREAM_PREMATURE_CLOSE|\n\s+at /, 'no stack trace');
    } finally {
      await listener.close();
    }
  });

  test(`[cli] client --backend ${backend}: an end without close_notify is exit 1 with one "truncated" line`, async (t) => {
    const listener = await serverDoing(async (connection) => {
      await connection.sendBytes(encoder.encode('half a sent'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await connection.rawConnection.close(); // TCP FIN, no close_notify
    });
    try {
      const result = await clientWithOpenStdin(listener.address().port, backend);
      t.is(result.code, 1, result.stderr);
      t.is(result.stdout, 'half a sent');
      const lines = result.stderr.trim().split('\n');
      t.regex(lines.at(-1)!, /truncated/);
      t.is(lines.filter((l) => /truncated/.test(l)).length, 1);
      t.notRegex(result.stderr, /ERR_STREAM_PREMATURE_CLOSE|\n\s+at /, 'no stack trace');
    } finally {
      await listener.close();
    }
  });
}

/** Starts `openssl s_server` on a free port; resolves once it accepts. */
async function opensslServer(): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(
    'openssl',
    ['s_server', '-accept', '127.0.0.1:0', '-cert', join(certs, 'localhost-ecdsa.pem'), '-key', join(certs, 'localhost-ecdsa.key.pem'), '-naccept', '1'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  child.stdin!.on('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`openssl is missing (apt-get install openssl): ${error.message}`)));
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /ACCEPT [^\s]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    setTimeout(() => reject(new Error(`openssl s_server did not start: ${output}`)), 10_000);
  });
  return { child, port, output: () => output };
}

test('[cli] client vs openssl s_server: at the end of stdin it sends close_notify, reads on, and exits 0 on the answer', async (t) => {
  const server = await opensslServer();
  try {
    let stdout = '';
    const result = await clientWithOpenStdin(server.port, 'noble', (client) => {
      client.stderr!.on('data', (c: Buffer) => {
        if (c.toString().includes('---')) server.child.stdin!.write('from openssl\n');
      });
      client.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('from openssl')) client.stdin!.end(); // our close_notify; s_server answers with its own
      });
    });
    t.is(result.code, 0, result.stderr);
    t.is(result.stdout, 'from openssl\n');
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('[cli] client vs openssl s_server "Q" (it closes the socket before its close_notify): exit 1, truncated', async (t) => {
  const server = await opensslServer();
  try {
    let stdout = '';
    const result = await clientWithOpenStdin(server.port, 'noble', (client) => {
      client.stderr!.on('data', (c: Buffer) => {
        if (c.toString().includes('---')) server.child.stdin!.write('last line\n');
      });
      client.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('last line')) server.child.stdin!.write('Q\n');
      });
    });
    t.is(result.code, 1, result.stderr);
    t.is(result.stdout, 'last line\n');
    t.regex(result.stderr, /truncated/);
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('[cli] client vs a killed openssl s_server (TCP end, no close_notify): exit 1, truncated', async (t) => {
  const server = await opensslServer();
  try {
    const result = await clientWithOpenStdin(server.port, 'node-tls', (client) => {
      client.stderr!.on('data', (c: Buffer) => {
        if (!c.toString().includes('---')) return;
        // Killed before s_server has read our Finished, its kernel would answer the unread
        // bytes with a reset, not a FIN: wait for its "CIPHER is" line (printed once the
        // handshake is complete on its side), so the end is the clean TCP close under test.
        const kill = setInterval(() => {
          if (!server.output().includes('CIPHER is')) return;
          clearInterval(kill);
          server.child.kill('SIGKILL');
        }, 5);
      });
    });
    t.is(result.code, 1, result.stderr);
    t.regex(result.stderr, /truncated/);
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('[cli] server --handshake-timeout drops a client that never sends a ClientHello', async (t) => {
  const child = spawn(
    process.execPath,
    [cli, 'server', '--backend', 'noble', '--port', '0', '--cert', join(certs, 'localhost-ecdsa.pem'), '--key', join(certs, 'localhost-ecdsa.key.pem'), '--handshake-timeout', '300'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 15_000);
      child.stdout!.on('data', () => {
        const match = /listening on [^\s]+:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    const started = Date.now();
    const closed = await Promise.race([
      once(socket, 'close').then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    socket.destroy();
    t.true(closed, 'the silent client was dropped (the default timeout is 30 s)');
    t.true(Date.now() - started < 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.regex(output, /HandshakeTimeoutError/);
  } finally {
    child.kill();
  }
});

test('[cli] server --handshake-timeout must be a positive number of milliseconds; --help lists it', async (t) => {
  const child = spawn(process.execPath, [cli, 'server', '--backend', 'plaintext', '--port', '0', '--handshake-timeout', 'soon'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  t.is(code, 1);
  t.regex(stderr, /ConfigurationError: bad --handshake-timeout soon/);
  const help = spawn(process.execPath, [cli, 'server', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let usage = '';
  help.stdout!.on('data', (c: Buffer) => (usage += c.toString()));
  await once(help, 'close');
  t.regex(usage, /--handshake-timeout <ms>/);
});
