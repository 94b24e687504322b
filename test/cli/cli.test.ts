/**
 * The `tlsservice` command end to end: a CLI server per backend, reached by the CLI
 * client (stdin relayed, echo on stdout) and by `openssl s_client` against `--www`.
 */
import test from 'ava';
import { certs, cli, run, startServer } from './cli-process.js';
import { join } from 'node:path';

for (const serverBackend of ['noble', 'node-tls']) {
  for (const clientBackend of ['noble', 'node-tls']) {
    test(`[cli] client --backend ${clientBackend} echoes through server --backend ${serverBackend}`, async (t) => {
      const { child, port } = await startServer(['--backend', serverBackend]);
      try {
        const result = await run(process.execPath, [cli, 'client', `localhost:${port}`, '--backend', clientBackend, '--ca', join(certs, 'ca.pem'), '--trace'], 'ping over tls\n');
        t.is(result.code, 0, result.stderr);
        t.is(result.stdout, 'ping over tls\n');
        t.regex(result.stderr, /protocol: +TLSv1\.3/);
        t.regex(result.stderr, /0 s: CN=localhost/);
        t.regex(result.stderr, /client wrote \d+/);
        t.regex(result.stderr, /client read into buffer of length \d+ -> \d+/);
      } finally {
        child.kill();
      }
    });
  }

  test(`[cli] openssl s_client reads the --www page of server --backend ${serverBackend}`, async (t) => {
    const { child, port } = await startServer(['--backend', serverBackend, '--www', '--alpn', 'http/1.1']);
    try {
      const result = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', join(certs, 'ca.pem'), '-alpn', 'http/1.1', '-quiet', '-no_ign_eof'], 'GET /hello HTTP/1.0\r\n\r\n', /<\/html>/);
      t.not(result.stderr, '', 'openssl s_client ran (install openssl if this fails with ENOENT)');
      t.regex(result.stdout, /^HTTP\/1\.[01] 200 OK/);
      t.regex(result.stdout, new RegExp(`backend: +${serverBackend}`));
      t.regex(result.stdout, /protocol: +TLSv1\.3/);
      t.regex(result.stdout, /ALPN: +http\/1\.1/);
    } finally {
      child.kill();
    }
  });
}

test('[cli] server --backend noble --max-version TLSv1.2 serves a node-tls client at TLS 1.2; a bad version name is refused', async (t) => {
  const { child, port } = await startServer(['--backend', 'noble', '--max-version', 'TLSv1.2']);
  try {
    const result = await run(process.execPath, [cli, 'client', `localhost:${port}`, '--backend', 'node-tls', '--ca', join(certs, 'ca.pem')], 'ping over tls 1.2\n');
    t.is(result.code, 0, result.stderr);
    t.is(result.stdout, 'ping over tls 1.2\n');
    t.regex(result.stderr, /protocol: +TLSv1\.2/);
  } finally {
    child.kill();
  }
  const bad = await run(process.execPath, [cli, 'client', 'localhost:1', '--backend', 'node-tls', '--min-version', 'TLSv1.1'], '');
  t.not(bad.code, 0);
  t.regex(bad.stderr, /--min-version TLSv1\.1: expected TLSv1\.2 or TLSv1\.3/);
});

for (const serverBackend of ['noble', 'node-tls']) {
  test(`[cli] curl --http2 gets the --www page over h2 from server --backend ${serverBackend}`, async (t) => {
    const { child, port } = await startServer(['--backend', serverBackend, '--www']);
    try {
      const result = await run('curl', ['-sS', '--http2', '--cacert', join(certs, 'ca.pem'), `https://localhost:${port}/page`], '');
      t.is(result.code, 0, `curl failed (install curl if it is missing): ${result.stderr}`);
      t.regex(result.stdout, /HTTP: +HTTP\/2\.0/);
      t.regex(result.stdout, /ALPN: +h2/);
      t.regex(result.stdout, /request: +GET \/page/);
    } finally {
      child.kill();
    }
  });
}

test('[cli] a client that cannot verify the server exits non-zero with a typed error', async (t) => {
  const { child, port } = await startServer(['--backend', 'noble']);
  try {
    const result = await run(process.execPath, [cli, 'client', `localhost:${port}`, '--backend', 'noble', '--ca', join(certs, 'untrusted-ca.pem')], 'x');
    t.is(result.code, 1);
    t.regex(result.stderr, /CertificateVerificationError|TLSAlertError/);
  } finally {
    child.kill();
  }
});

test('[cli] unknown backend is a configuration error', async (t) => {
  const result = await run(process.execPath, [cli, 'client', 'localhost:1', '--backend', 'rot13'], '');
  t.is(result.code, 1);
  t.regex(result.stderr, /ConfigurationError: unknown backend "rot13"/);
});
