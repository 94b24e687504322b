/**
 * The client role in headless Chromium (docs/examples/browser/client.html): TLS 1.3
 * (RFC 8446) from the page through `tlsservice relay --to` to our Node server and to
 * `openssl s_server`, verified against the CA the page is given, then an HTTP/1.1
 * request. With the wrong CA the page sends unknown_ca (RFC 8446 section 6.2) and the
 * server receives it. The screenshot of the first run goes to docs/images.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { createContainer } from '../../src/di/container.js';
import { createServer } from '../../src/http/server.js';
import { TLSAlertError } from '../../src/errors.js';
import { localhostECDSA, testCA, untrustedCA } from '../fixtures/certs.js';
import { launchChromium, type LaunchedBrowser } from './chromium.js';
import { bundleExample, ROOT, screenshotPath, servePages, type PageServer } from './pages.js';
import { startRelayProcess } from './relay-process.js';

/** What client.ts leaves in window.tlsResult (see docs/examples/browser/result.ts). */
interface ClientResult {
  readonly ok: boolean;
  readonly handshakeMs?: number;
  readonly negotiated?: { protocol: string; cipherSuite: string; group: string; alpnProtocol?: string; cryptoProvider?: string };
  readonly response?: string;
  readonly error?: { name: string; message: string; alert?: string; direction?: string };
  readonly events: readonly { direction: string; bytes: number; records: readonly { outer: string; contents: readonly string[] }[] }[];
}

let chromium: LaunchedBrowser;
let pages: PageServer;

test.before(async () => {
  chromium = await launchChromium();
  pages = await servePages(await bundleExample());
  pages.put('ca.pem', testCA);
  pages.put('wrong-ca.pem', untrustedCA);
});

test.after.always(async () => {
  await chromium?.close();
  await pages?.close();
});

/** Opens client.html against `relay` and waits for its result. */
async function runClientPage(relay: string, ca: string, screenshot?: `${string}.png`): Promise<ClientResult> {
  const { page, problems } = await chromium.page();
  try {
    await page.goto(`${pages.origin}/client.html?relay=${encodeURIComponent(relay)}&ca=${ca}&servername=localhost`);
    await page.waitForSelector('body[data-done]', { timeout: 60_000 });
    const result = await page.evaluate(() => (globalThis as unknown as { tlsResult: unknown }).tlsResult) as ClientResult;
    const path = screenshot ? screenshotPath(screenshot) : undefined;
    if (path) {
      await page.bringToFront(); // a background tab paints no frames, and a screenshot waits for one
      const diagram = await page.$('body');
      await diagram!.screenshot({ path });
    }
    if (problems.length > 0 && result.ok) throw new Error(problems.join('\n'));
    return result;
  } finally {
    await page.close();
  }
}

/** Our Node HTTPS server on the noble backend; records handshake failures. */
async function ourServer(): Promise<{ port: number; failures: Error[]; close(): Promise<void> }> {
  const server = createServer(
    { container: createContainer('noble'), cert: localhostECDSA.cert, key: localhostECDSA.key, ALPNProtocols: ['http/1.1'] },
    (request, response) => {
      response.setHeader('content-type', 'text/plain');
      response.end(`hello browser, you asked for ${request.url}\n`);
    },
  );
  const failures: Error[] = [];
  server.on('tlsClientError', (error: Error) => failures.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    failures,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A free loopback port (the listener is closed again; s_server takes it next). */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `openssl s_server -www` on loopback for one connection; retries when another process took the port first. */
async function startOpenSSLServer(t: { teardown(f: () => unknown): void }): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const openssl = spawn('openssl', [
      's_server', '-tls1_3', '-www', '-accept', `127.0.0.1:${port}`, '-naccept', '1',
      '-cert', `${ROOT}test/fixtures/certs/localhost-ecdsa.pem`, '-key', `${ROOT}test/fixtures/certs/localhost-ecdsa.key.pem`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => void openssl.kill());
    let output = '';
    const started = await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`s_server did not start: ${output}`)), 20_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('ACCEPT') || output.includes('unable to bind')) {
          clearTimeout(timer);
          resolve(output.includes('ACCEPT'));
        }
      };
      openssl.stdout.on('data', onData);
      openssl.stderr.on('data', onData);
    });
    if (started) return port;
    openssl.kill();
    if (attempt === 3) throw new Error(`s_server could not bind: ${output}`);
  }
}

const handshakeNames = (result: ClientResult): string[] =>
  result.events.flatMap((e) => e.records.flatMap((r) => r.contents.map((c) => `${e.direction} ${c.split(' (')[0]}`)));

test.serial('page client: TLS 1.3 through the relay to our Node server (noble), verified against the given CA, HTTP/1.1 GET', async (t) => {
  const server = await ourServer();
  t.teardown(() => server.close());
  const relay = await startRelayProcess(['--to', `127.0.0.1:${server.port}`]);
  t.teardown(() => relay.stop());
  // The first connection warms the Node server (its noble code is not yet optimised); the second is the one shown.
  const first = await runClientPage(relay.url, 'ca.pem');
  t.true(first.ok, JSON.stringify(first.error));
  const result = await runClientPage(relay.url, 'ca.pem', 'browser-client-handshake.png');
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.negotiated!.protocol, 'TLSv1.3');
  t.is(result.negotiated!.cryptoProvider, 'noble');
  t.is(result.negotiated!.alpnProtocol, 'http/1.1');
  t.regex(result.response!, /^HTTP\/1\.1 200 OK\r\n/);
  t.regex(result.response!, /hello browser, you asked for \/\n$/);
  // The diagram's trace: the flights of RFC 8446 section 2, opened with the engine's key log.
  const names = handshakeNames(result);
  for (const step of ['sent ClientHello', 'received ServerHello', 'received EncryptedExtensions', 'received Certificate',
    'received CertificateVerify', 'received Finished', 'sent Finished']) {
    t.true(names.includes(step), `${step} in ${names.join(', ')}`);
  }
  t.true(result.handshakeMs! > 0);
  t.log(`in-browser client handshake: first ${first.handshakeMs!.toFixed(1)} ms, second ${result.handshakeMs!.toFixed(1)} ms; ${result.events.length} IO calls`);
});

test.serial('page client: TLS 1.3 through the relay to openssl s_server -www', async (t) => {
  if (spawnSync('openssl', ['version']).status !== 0) t.fail('openssl is missing: apt-get install openssl');
  const port = await startOpenSSLServer(t);
  const relay = await startRelayProcess(['--to', `127.0.0.1:${port}`]);
  t.teardown(() => relay.stop());
  const result = await runClientPage(relay.url, 'ca.pem');
  t.true(result.ok, JSON.stringify(result.error));
  t.is(result.negotiated!.protocol, 'TLSv1.3');
  t.regex(result.response!, /^HTTP\/1\.0 200 ok/);
  t.regex(result.response!, /TLSv1\.3/);
  t.log(`in-browser client handshake against openssl: ${result.handshakeMs!.toFixed(1)} ms`);
});

test.serial('page client with the wrong CA: the page sends unknown_ca and our server receives it (RFC 8446 section 6.2)', async (t) => {
  const server = await ourServer();
  t.teardown(() => server.close());
  const relay = await startRelayProcess(['--to', `127.0.0.1:${server.port}`]);
  t.teardown(() => relay.stop());
  const result = await runClientPage(relay.url, 'wrong-ca.pem');
  t.false(result.ok);
  t.is(result.error!.name, 'CertificateVerificationError'); // one error model on every backend (issue 11)
  t.is(result.error!.alert, 'unknown_ca');
  t.is(result.error!.direction, 'sent');
  const names = handshakeNames(result);
  t.true(names.includes('sent alert unknown_ca'), names.join(', '));
  for (let i = 0; i < 200 && server.failures.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  const failure = server.failures[0];
  t.true(failure instanceof TLSAlertError, String(failure));
  t.is((failure as TLSAlertError).alert, 'unknown_ca');
  t.is((failure as TLSAlertError).direction, 'received');
});
