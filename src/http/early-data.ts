/**
 * HTTP over 0-RTT (RFC 8470): requests that arrived in TLS early data can be replayed
 * by an attacker, so they are marked (`isEarlyDataRequest`, and an `Early-Data: 1`
 * header as RFC 8470 section 5.1 has intermediaries add) and those with a method that
 * is not idempotent (RFC 9110 section 9.2.2) are answered `425 Too Early` without
 * reaching the application. A request is early when the bytes it was parsed from were
 * early data: the noble service never returns early and later bytes in one read, so
 * counting the bytes the socket has delivered tells them apart.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Methods safe to run twice (RFC 9110 section 9.2.2). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** A backend that reports how many received bytes were 0-RTT data (the noble service). */
interface EarlyDataSource {
  readonly earlyDataReceived: number;
}

const earlyRequests = new WeakSet<object>();
const trackers = new WeakMap<Duplex, () => boolean>();

/** True when `request` arrived (at least in part) in TLS early data. */
export function isEarlyDataRequest(request: IncomingMessage): boolean {
  return earlyRequests.has(request);
}

/** Counts the bytes `socket` delivers so a request can be told to come from early data; no-op for backends without 0-RTT. */
export function trackEarlyData(socket: Duplex, service: object): void {
  if (typeof (service as Partial<EarlyDataSource>).earlyDataReceived !== 'number') return;
  const source = service as EarlyDataSource;
  let delivered = 0;
  let current = false;
  const emit = socket.emit;
  socket.emit = function emitCountingData(this: Duplex, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'data') return emit.call(this, event, ...args);
    const chunk = args[0] as Uint8Array;
    current = delivered < source.earlyDataReceived;
    delivered += chunk.length;
    return emit.call(this, event, ...args);
  } as Duplex['emit'];
  trackers.set(socket, () => current);
}

/**
 * Marks a request parsed from early data; answers 425 (and returns true) when its
 * method is not idempotent, so the application never sees it.
 */
export function screenEarlyRequest(request: IncomingMessage, response: ServerResponse): boolean {
  const socket = request.socket as unknown as Duplex;
  const early = trackers.get(socket)?.();
  if (!early) return false;
  earlyRequests.add(request);
  request.headers['early-data'] = '1';
  if (IDEMPOTENT_METHODS.has(request.method ?? '')) return false;
  response.statusCode = 425;
  response.setHeader('content-type', 'text/plain');
  response.end('Too Early: retry after the TLS handshake (RFC 8470)\n');
  return true;
}
