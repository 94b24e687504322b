/**
 * curl (HTTP/1.1 and --http2) against our server, on every backend. curl speaks TLS
 * through its own OpenSSL and HTTP/2 through nghttp2: a real client, not ours.
 */
import test from 'ava';
import { BACKEND_NAMES } from '../../src/di/container.js';
import { encrypts, run, startServer, testCAFile } from './helpers.js';

const curlFormat = '\\n%{http_version} %{response_code}';

for (const backend of BACKEND_NAMES) {
  test(`${backend}: curl gets an HTTP/1.1 response (keep-alive, two requests)`, async (t) => {
    const running = await startServer(backend, (request, response) => {
      response.setHeader('content-type', 'text/plain');
      response.end(`hello ${request.url} over ${request.httpVersion}`);
    });
    try {
      const result = await run('curl', ['-sS', '--http1.1', '--cacert', testCAFile, '-w', curlFormat, `${running.url}/a`, `${running.url}/b`]);
      t.is(result.code, 0, result.stderr);
      t.is(result.stdout, 'hello /a over 1.1\n1.1 200hello /b over 1.1\n1.1 200');
    } finally {
      await running.close();
    }
  });

  test(`${backend}: curl --http2 gets HTTP/2 by ALPN (HTTP/1.1 where the backend has no ALPN)`, async (t) => {
    const running = await startServer(
      backend,
      (request, response) => {
        response.setHeader('content-type', 'text/plain');
        response.end(`hello over ${request.httpVersion}`);
      },
      { allowHTTP2: true },
    );
    try {
      const result = await run('curl', ['-sS', '--http2', '--cacert', testCAFile, '-w', curlFormat, `${running.url}/`]);
      t.is(result.code, 0, result.stderr);
      const version = encrypts(backend) ? '2.0' : '1.1';
      t.is(result.stdout, `hello over ${version}\n${version === '2.0' ? '2' : '1.1'} 200`);
    } finally {
      await running.close();
    }
  });

  test(`${backend}: curl with HTTP/1.1 only still works on an HTTP/2-enabled server`, async (t) => {
    const running = await startServer(backend, (request, response) => response.end(`v${request.httpVersion}`), { allowHTTP2: true });
    try {
      const result = await run('curl', ['-sS', '--http1.1', '--cacert', testCAFile, `${running.url}/`]);
      t.is(result.code, 0, result.stderr);
      t.is(result.stdout, 'v1.1');
    } finally {
      await running.close();
    }
  });
}
