/**
 * A guard for HTTP/2 over a non-socket Duplex on Node 20. http2 wraps such a stream in
 * Node's internal JSStreamSocket, which throws an internal assertion (an uncaught
 * exception: the process dies) when nghttp2 writes a frame while the wrap's shutdown of
 * the stream is still in flight, e.g. a GOAWAY racing the peer's close. A real socket
 * answers that write with EPIPE; this guard makes the wrap do the same.
 */
import type http2 from 'node:http2';
import { constants } from 'node:os';

const UV_EPIPE = -constants.errno.EPIPE;

/** The internal fields the guard reads, found by their symbols' descriptions. */
interface StreamWrap {
  _handle: { finishWrite(req: unknown, status: number): void } | null;
  doWrite(req: unknown, buffers: unknown): number;
  [key: symbol]: unknown;
}

function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((s) => s.description === description);
}

/**
 * Makes `session`'s stream wrap fail writes issued during its shutdown with EPIPE instead
 * of asserting. Does nothing when the session runs on a real socket or Node's internals
 * differ from the ones this was written against (Node 20).
 */
export function guardWritesDuringShutdown(session: http2.Http2Session): void {
  const socketKey = symbolNamed(session, 'socket');
  const wrap = socketKey ? ((session as unknown as Record<symbol, unknown>)[socketKey] as StreamWrap | undefined) : undefined;
  if (!wrap || wrap.constructor?.name !== 'JSStreamSocket' || typeof wrap.doWrite !== 'function') return;
  const shutdownKey = symbolNamed(wrap, 'kCurrentShutdownRequest');
  if (!shutdownKey) return;
  const doWrite = wrap.doWrite;
  wrap.doWrite = function guardedDoWrite(this: StreamWrap, req: unknown, buffers: unknown): number {
    if (this[shutdownKey] === null || this[shutdownKey] === undefined) return doWrite.call(this, req, buffers);
    const handle = this._handle;
    setImmediate(() => handle?.finishWrite(req, UV_EPIPE));
    return 0;
  };
}
