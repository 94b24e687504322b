/**
 * The server role in a Web Worker in headless Chromium (docs/examples/browser/server.html):
 * the Worker makes its certificate with our development CA code, listens through
 * `tlsservice relay --expose`, and `curl` and `openssl s_client` reach it over TCP with
 * TLS 1.3 (RFC 8446) end to end and get an HTTP/1.1 answer. A client that does not trust
 * the Worker's CA sends unknown_ca (RFC 8446 section 6.2), which the Worker receives.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { testCA } from '../fixtures/certs.js';
import { launchChromium, type LaunchedBrowser } from './chromium.js';
import { bundleExample, screenshotPath, servePages, type PageServer } from './pages.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';

/** The worker's messages as server.ts collects them in window.workerEvents. */
type WorkerEvent =
  | { type: 'ready'; caPem: string; certificateMs: number }
  | { type: 'listening' }
  | { type: 'stopped'; reason: string }
  | {
      type: 'connection';
      result: {
        ok: boolean;
        handshakeMs?: number;
        negotiated?: { protocol: string; cipherSuite: string; cryptoProvider?: string };
        response?: string;
        error?: { name: string; alert?: string; direction?: string; message: string };
        events: readonly { direction: string; records: readonly { contents: readonly string[] }[] }[];
      };
    };
type ConnectionEvent = Extract<WorkerEvent, { type: 'connection' }>;

let chromium: LaunchedBrowser;
let pages: PageServer;
const scratch = mkdtempSync(join(tmpdir(), 'tlsservice-worker-'));

test.before(async () => {
  chromium = await launchChromium();
  pages = await servePages(await bundleExample());
});

test.after.always(async () => {
  await chromium?.close();
  await pages?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface WorkerServer {
  readonly page: Page;
  readonly relay: RelayProcess;
  readonly port: number;
  /** The Worker's CA certificate, written to a file for curl and openssl. */
  readonly caFile: string;
  readonly certificateMs: number;
  /** Waits for the `count`-th connection result. */
  connection(count: number): Promise<ConnectionEvent['result']>;
}

async function startWorkerServer(t: { teardown(f: () => unknown): void }, name: string): Promise<WorkerServer> {
  const relay = await startRelayProcess(['--expose', '0']);
  t.teardown(() => relay.stop());
  const { page, problems } = await chromium.page();
  t.teardown(() => page.close());
  await page.goto(`${pages.origin}/server.html?relay=${encodeURIComponent(relay.url)}`);
  await page.waitForSelector('body[data-listening]', { timeout: 60_000 }).catch((error: unknown) => {
    throw new Error(`the Worker did not start listening: ${problems.join('\n')} ${String(error)}`);
  });
  const events = () => page.evaluate(() => (globalThis as unknown as { workerEvents: unknown }).workerEvents) as Promise<WorkerEvent[]>;
  const ready = (await events()).find((e): e is Extract<WorkerEvent, { type: 'ready' }> => e.type === 'ready')!;
  const caFile = join(scratch, `${name}-ca.pem`);
  writeFileSync(caFile, ready.caPem);
  return {
    page,
    relay,
    port: relay.exposedPort!,
    caFile,
    certificateMs: ready.certificateMs,
    async connection(count) {
      await page.waitForFunction(
        (n: number) => (globalThis as unknown as { workerEvents: { type: string }[] }).workerEvents.filter((e) => e.type === 'connection').length >= n,
        { timeout: 60_000 },
        count,
      );
      return (await events()).filter((e): e is ConnectionEvent => e.type === 'connection')[count - 1]!.result;
    },
  };
}

function run(command: string, args: string[], input?: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (error) => (output += String(error)));
    child.on('close', (status) => {
      clearTimeout(killer);
      resolve({ status, output });
    });
    if (input !== undefined) child.stdin.write(input);
  });
}

function requireTool(t: { fail(message: string): void }, tool: string, args: string[], pkg: string): void {
  if (spawnSync(tool, args).status !== 0) t.fail(`${tool} is missing: apt-get install ${pkg}`);
}

const curlArgs = (server: WorkerServer, ca: string) => [
  '-sS', '--max-time', '60', '--tlsv1.3', '--cacert', ca, '--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}/`,
];

test.serial('Worker server: curl reaches it through the relay (--expose) and gets an HTTP/1.1 answer', async (t) => {
  requireTool(t, 'curl', ['--version'], 'curl');
  const server = await startWorkerServer(t, 'curl');
  const { status, output } = await run('curl', curlArgs(server, server.caFile));
  t.is(status, 0, output);
  t.regex(output, /^Hello from a TLS 1\.3 server in a Web Worker\.\nTLSv1\.3 TLS_AES_\S+ \S+ \(provider noble\)/);
  const result = await server.connection(1);
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.response, 'GET / HTTP/1.1');
  t.is(result.negotiated!.cryptoProvider, 'noble');
  t.log(`certificate made in the Worker in ${server.certificateMs.toFixed(0)} ms; in-browser server handshake ${result.handshakeMs!.toFixed(1)} ms`);
  const path = screenshotPath('browser-worker-server.png');
  if (path) {
    await server.page.bringToFront(); // a background tab paints no frames, and a screenshot waits for one
    await server.page.screenshot({ path, fullPage: true });
  }
});

test.serial('Worker server: openssl s_client verifies the Worker\'s certificate and gets an HTTP/1.1 answer', async (t) => {
  requireTool(t, 'openssl', ['version'], 'openssl');
  const server = await startWorkerServer(t, 's_client');
  const { output } = await run(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-tls1_3', '-CAfile', server.caFile,
      '-verify_return_error', '-verify_hostname', 'localhost', '-ign_eof'],
    'GET /from-openssl HTTP/1.1\r\nHost: localhost\r\n\r\n',
  );
  t.regex(output, /Verify return code: 0 \(ok\)/);
  t.regex(output, /HTTP\/1\.1 200 OK/);
  t.regex(output, /Hello from a TLS 1\.3 server in a Web Worker/);
  const result = await server.connection(1);
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.response, 'GET /from-openssl HTTP/1.1');
  const names = result.events.flatMap((e) => e.records.flatMap((r) => r.contents.map((c) => `${e.direction} ${c.split(' (')[0]}`)));
  for (const step of ['received ClientHello', 'sent ServerHello', 'sent EncryptedExtensions', 'sent Certificate', 'sent CertificateVerify',
    'sent Finished', 'received Finished']) {
    t.true(names.includes(step), `${step} in ${names.join(', ')}`);
  }
});

test.serial('Worker server: a client with the wrong CA sends unknown_ca and the Worker receives it (RFC 8446 section 6.2)', async (t) => {
  requireTool(t, 'curl', ['--version'], 'curl');
  const server = await startWorkerServer(t, 'wrong-ca');
  const wrongCA = join(scratch, 'not-the-workers-ca.pem');
  writeFileSync(wrongCA, testCA);
  const { status, output } = await run('curl', curlArgs(server, wrongCA));
  t.is(status, 60, output); // curl: peer certificate cannot be authenticated with the given CA
  const result = await server.connection(1);
  t.false(result.ok);
  t.is(result.error!.name, 'TLSAlertError');
  t.is(result.error!.alert, 'unknown_ca');
  t.is(result.error!.direction, 'received');
});
