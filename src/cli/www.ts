/**
 * The page `tlsservice server --www` answers with, like `openssl s_server -www`: the
 * negotiated parameters and the request that was received, as plain HTML.
 */
import type { NegotiatedParameters } from '../tls-service.js';
import { describeChain, describeParameters } from './describe.js';

/** The HTML page for one request. */
export function wwwPage(negotiated: NegotiatedParameters, request: { method: string; url: string; httpVersion: string }): string {
  const body = [
    ...describeParameters(negotiated),
    `HTTP:         ${request.httpVersion}`,
    '',
    `request:      ${request.method} ${request.url}`,
    '',
    ...describeChain(negotiated.peerCertificates),
  ];
  return `<!DOCTYPE html>\n<html><head><title>tlsservice</title></head><body><pre>\n${body.map(escapeHtml).join('\n')}\n</pre></body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
