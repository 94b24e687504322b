/**
 * The server role in a Web Worker: it makes a development CA and a localhost
 * certificate with our X.509 code, registers with the relay (`/listen`), and for each
 * TCP client the relay offers opens a data WebSocket, runs the TLS 1.3 server engine
 * over it and answers one HTTP/1.1 request. It posts `ready` (with the CA PEM, so
 * clients can trust it), `listening`, and one `connection` result per client.
 */
import {
  NobleTLSService, createDevelopmentCA, issueCertificate, openWebSocket, type WebSocketConstructor,
} from 'tlsservice/engine';
import { decodeTrace, TracingRawConnection } from './trace.js';
import { describeError, type RoleResult } from './result.js';

/** The longest request head read. */
const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

/** Messages from the worker to its page. */
export type WorkerMessage =
  | { readonly type: 'ready'; readonly caPem: string; readonly certificateMs: number }
  | { readonly type: 'listening' }
  | { readonly type: 'stopped'; readonly reason: string }
  | { readonly type: 'connection'; readonly result: RoleResult };

const scope = self as unknown as {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: { data: { relay: string } }) => void): void;
};
const Socket = WebSocket as unknown as WebSocketConstructor;

scope.addEventListener('message', ({ data }) => void start(data.relay));

async function start(relay: string): Promise<void> {
  const began = performance.now();
  const ca = createDevelopmentCA({ commonName: 'tlsservice browser development CA' });
  const leaf = issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  scope.postMessage({ type: 'ready', caPem: ca.pem, certificateMs: performance.now() - began });
  const configuration = { cert: leaf.pem, key: leaf.privateKeyPem, ALPNProtocols: ['http/1.1'] };
  const control = new WebSocket(`${relay}/listen`);
  control.onopen = () => scope.postMessage({ type: 'listening' });
  control.onclose = (event) => scope.postMessage({ type: 'stopped', reason: `control socket closed (${event.code})` });
  control.onmessage = (event) => {
    const { accept, peer } = JSON.parse(String(event.data)) as { accept: string; peer: string };
    void serve(`${relay}/accept/${accept}`, peer, configuration).then((result) => scope.postMessage({ type: 'connection', result }));
  };
}

async function serve(url: string, peer: string, configuration: { cert: string; key: string; ALPNProtocols: string[] }): Promise<RoleResult> {
  let trace: TracingRawConnection | undefined;
  const service = new NobleTLSService();
  let handshakeMs: number | undefined;
  try {
    trace = new TracingRawConnection(await openWebSocket(Socket, url), 'server');
    const started = performance.now();
    await service.negotiateAsServer(trace, { ...configuration, keylog: trace.keylog });
    handshakeMs = performance.now() - started;
    let head = '';
    const decoder = new TextDecoder();
    while (!head.includes('\r\n\r\n')) {
      const bytes = await service.receiveBytes(4096);
      if (bytes.length === 0 || head.length > MAX_REQUEST_HEAD_BYTES) throw new Error('no complete HTTP request head');
      head += decoder.decode(bytes, { stream: true });
    }
    const { peerCertificates: _, ...negotiated } = service.negotiated;
    const body =
      `Hello from a TLS 1.3 server in a Web Worker.\n` +
      `${negotiated.protocol} ${negotiated.cipherSuite} ${negotiated.group} (provider ${negotiated.cryptoProvider}), handshake ${handshakeMs.toFixed(1)} ms\n`;
    const bodyBytes = new TextEncoder().encode(body);
    const headers =
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${bodyBytes.length}\r\nConnection: close\r\n\r\n`;
    await service.sendBytes([new TextEncoder().encode(headers), bodyBytes]);
    await service.close();
    return { ok: true, role: 'server', handshakeMs, negotiated, response: head.split('\r\n')[0]!, events: decodeTrace(trace), peer };
  } catch (error) {
    service.willDeinitConnection();
    return { ok: false, role: 'server', handshakeMs, error: describeError(error), events: trace ? decodeTrace(trace) : [], peer };
  }
}
