/**
 * `tlsservice server --www`: a small HTTP server on the chosen backend that answers any
 * request with the negotiated parameters, like `openssl s_server -www`.
 */
import net from 'node:net';
import type { ServerConfiguration } from '../configuration.js';
import { serviceFrom } from '../di/container.js';
import { Connection } from '../connection.js';
import { TCPRawConnection } from '../raw/tcp.js';
import { containerFor, type CommonValues } from './backend.js';
import { closeOnSignal } from './server.js';
import { wwwPage } from './www.js';

/** Largest request head accepted before answering 431. */
const MAX_HEAD = 16 * 1024;

/** Serves the `--www` page until SIGINT/SIGTERM; HTTP/1.0 semantics: one request, then close. */
export async function serveWWW(values: CommonValues, configuration: ServerConfiguration, at: { host: string; port: number }): Promise<number> {
  const container = containerFor(values, { server: configuration });
  const server = net.createServer((socket) => {
    void answer(TCPRawConnection.fromSocket(socket), configuration, container);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, resolve);
  });
  const address = server.address() as net.AddressInfo;
  console.log(`serving --www on ${address.address}:${address.port} (backend ${values.backend})`);
  await closeOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return 0;
}

async function answer(raw: TCPRawConnection, configuration: ServerConfiguration, container: ReturnType<typeof containerFor>): Promise<void> {
  try {
    const connection = await Connection.fromClient(raw, { service: serviceFrom(container), ...configuration });
    let head = '';
    while (!head.includes('\r\n\r\n') && head.length < MAX_HEAD) {
      const bytes = await connection.receiveBytes(MAX_HEAD);
      if (bytes.length === 0) break;
      head += new TextDecoder().decode(bytes);
    }
    const [method = 'GET', url = '/', version = 'HTTP/1.0'] = (head.split('\r\n')[0] ?? '').split(' ');
    const page = new TextEncoder().encode(wwwPage(connection.negotiated, { method, url, httpVersion: version }));
    const status = head.includes('\r\n\r\n') ? '200 OK' : '431 Request Header Fields Too Large';
    const response = `HTTP/1.0 ${status}\r\nContent-Type: text/html\r\nContent-Length: ${page.length}\r\nConnection: close\r\n\r\n`;
    await connection.sendBytes([new TextEncoder().encode(response), page]);
    await connection.close();
  } catch (error) {
    console.error(`[www] ${(error as Error).name}: ${(error as Error).message}`);
    raw.destroy();
  }
}
