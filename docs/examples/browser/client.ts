/**
 * The client role in a page: TLS 1.3 from this tab through the WebSocket relay to a TLS
 * server on TCP, verifying its certificate against the CA the page is given, then one
 * HTTP/1.1 request. Query: `?relay=ws://127.0.0.1:8080&ca=ca.pem&servername=localhost`.
 * The result lands in `window.tlsResult` (the tests read it) and as a sequence diagram.
 */
import { NobleTLSService, openWebSocket, type WebSocketConstructor } from 'tlsservice/engine';
import { decodeTrace, TracingRawConnection } from './trace.js';
import { sequenceDiagram } from './diagram.js';
import { describeError, type RoleResult } from './result.js';

/** The largest HTTP response this page reads. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

async function run(): Promise<RoleResult> {
  const params = new URLSearchParams(location.search);
  const relay = params.get('relay') ?? `ws://${location.hostname}:8080`;
  const servername = params.get('servername') ?? 'localhost';
  const caPem = await (await fetch(params.get('ca') ?? 'ca.pem')).text();
  const raw = await openWebSocket(WebSocket as unknown as WebSocketConstructor, relay);
  const trace = new TracingRawConnection(raw, 'client');
  const service = new NobleTLSService();
  const started = performance.now();
  let handshakeMs: number | undefined;
  try {
    await service.negotiateAsClient(trace, { ca: caPem, servername, ALPNProtocols: ['http/1.1'], keylog: trace.keylog });
    handshakeMs = performance.now() - started;
    const request = `GET ${params.get('path') ?? '/'} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`;
    await service.sendBytes(new TextEncoder().encode(request));
    let response = '';
    const decoder = new TextDecoder();
    for (let bytes = await service.receiveBytes(65536); bytes.length > 0; bytes = await service.receiveBytes(65536)) {
      response += decoder.decode(bytes, { stream: true });
      if (response.length > MAX_RESPONSE_BYTES) break;
    }
    await service.close();
    const { peerCertificates: _, ...negotiated } = service.negotiated;
    return { ok: true, role: 'client', handshakeMs, negotiated, response, events: decodeTrace(trace) };
  } catch (error) {
    service.willDeinitConnection();
    return { ok: false, role: 'client', handshakeMs, error: describeError(error), events: decodeTrace(trace) };
  }
}

const output = document.getElementById('result')!;
run()
  .catch((error: unknown): RoleResult => ({ ok: false, role: 'client', error: describeError(error), events: [] }))
  .then((result) => {
    const negotiated = result.negotiated;
    document.getElementById('diagram')!.append(
      sequenceDiagram(result.events, { self: 'this tab (noble)', peer: 'server via relay', negotiated, handshakeMs: result.handshakeMs }),
    );
    output.textContent = result.ok ? result.response!.split('\r\n\r\n')[0]! : `${result.error!.name}: ${result.error!.message}`;
    (window as unknown as { tlsResult: RoleResult }).tlsResult = result;
    document.body.dataset.done = result.ok ? 'ok' : 'failed';
  });

