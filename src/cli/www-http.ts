/**
 * `tlsservice server --www`: a real HTTP server (HTTP/1.1, and h2 when ALPN picks it) on
 * the chosen backend, through the HTTP plug-in, answering every request with a page of
 * the negotiated parameters, like `openssl s_server -www`.
 */
import type { ServerConfiguration } from '../configuration.js';
import type { NegotiatedParameters } from '../tls-service.js';
import { createServer } from '../http/server.js';
import { containerFor, type CommonValues } from './backend.js';
import { closeOnSignal } from './server.js';
import { wwwPage } from './www.js';
import { leaveCluster, reportListening } from './workers.js';

/** Serves the `--www` page until SIGINT/SIGTERM. */
export async function serveWWW(values: CommonValues, configuration: ServerConfiguration, at: { host: string; port: number }): Promise<number> {
  const container = containerFor(values, { server: configuration });
  const server = createServer({ container, ...configuration, allowHTTP2: true }, (request, response) => {
    const negotiated = (request.socket as unknown as { negotiated: NegotiatedParameters }).negotiated;
    const page = wwwPage(negotiated, { method: request.method ?? 'GET', url: request.url ?? '/', httpVersion: `HTTP/${request.httpVersion}` });
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
    response.end(page);
  });
  server.on('tlsClientError', (error: Error) => console.error(`[www] ${error.name}: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const address = server.address() as { address: string; port: number };
  reportListening(`serving --www on ${address.address}:${address.port} (backend ${String(values.backend)}, HTTP/1.1 and h2)`);
  await closeOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
  leaveCluster();
  return 0;
}
