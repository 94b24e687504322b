/**
 * `pipeWebSocketToTCP`: moves bytes both ways between one WebSocket (`ws`) and one TCP
 * socket, never looking inside them: TLS runs end to end, so what passes is ciphertext.
 * Bounded: each direction pauses its source while more than `bufferBytes` wait to be
 * written; an idle connection is dropped. A TCP end of stream becomes a normal WebSocket
 * close (1000) and back; a reset or error on one side drops the other.
 */
import type net from 'node:net';
import type { WebSocket } from 'ws';

/** Per-direction bytes waiting to be written before the reading side is paused. */
export const RELAY_BUFFER_BYTES = 256 * 1024;
/** A connection with no bytes in either direction for this long is dropped. */
export const RELAY_IDLE_TIMEOUT_MS = 120_000;
/** The WebSocket close code for a normal end (RFC 6455 section 7.4.1). */
const NORMAL_CLOSURE = 1000;
/** Close code for a text message where only binary TLS records belong (RFC 6455 section 7.4.1: 1003). */
const UNSUPPORTED_DATA = 1003;

/** Limits of one relayed connection. */
export interface PipeLimits {
  /** Default RELAY_BUFFER_BYTES. */
  readonly bufferBytes?: number;
  /** Default RELAY_IDLE_TIMEOUT_MS. */
  readonly idleTimeoutMs?: number;
}

/** One relayed connection. */
export interface RelayedConnection {
  /** Bytes accepted from one side and not yet written to the other (both directions). */
  readonly bufferedBytes: number;
  /** Bytes moved WebSocket -> TCP and TCP -> WebSocket. */
  readonly moved: { readonly toTCP: number; readonly toWebSocket: number };
  /** Resolves once both sides are closed. */
  readonly closed: Promise<void>;
  /** Drops both sides at once. */
  destroy(): void;
}

/** Relays between `ws` and `socket` (both open) until either side ends. */
export function pipeWebSocketToTCP(ws: WebSocket, socket: net.Socket, limits: PipeLimits = {}): RelayedConnection {
  const bufferBytes = limits.bufferBytes ?? RELAY_BUFFER_BYTES;
  const moved = { toTCP: 0, toWebSocket: 0 };
  let wsClosed = false;
  let socketClosed = false;
  let finish: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (finish = resolve));
  const settle = (): void => {
    if (wsClosed && socketClosed) {
      clearTimeout(idle);
      finish();
    }
  };
  const destroy = (): void => {
    clearTimeout(idle);
    ws.terminate();
    socket.destroy();
  };
  const idle = setTimeout(destroy, limits.idleTimeoutMs ?? RELAY_IDLE_TIMEOUT_MS);
  socket.setNoDelay(true);

  // WebSocket -> TCP: pause the WebSocket while the socket's write buffer is full.
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      ws.close(UNSUPPORTED_DATA, 'binary messages only');
      socket.destroy();
      return;
    }
    const bytes = data as Buffer;
    idle.refresh();
    moved.toTCP += bytes.length;
    socket.write(bytes);
    if (socket.writableLength > bufferBytes && !ws.isPaused) ws.pause();
  });
  socket.on('drain', () => {
    if (ws.isPaused) ws.resume();
  });

  // TCP -> WebSocket: pause the socket while the WebSocket's send buffer is full.
  const resumeSocket = (): void => {
    if (socket.isPaused() && ws.bufferedAmount <= bufferBytes && !socket.destroyed) socket.resume();
  };
  socket.on('data', (chunk: Buffer) => {
    idle.refresh();
    moved.toWebSocket += chunk.length;
    ws.send(chunk, { binary: true }, resumeSocket);
    if (ws.bufferedAmount > bufferBytes) socket.pause();
  });

  // Ends: FIN <-> close 1000; anything else drops the other side.
  socket.on('end', () => ws.close(NORMAL_CLOSURE));
  socket.on('error', () => ws.terminate());
  socket.on('close', (hadError) => {
    socketClosed = true;
    if (hadError || !socket.readableEnded) ws.terminate();
    settle();
  });
  ws.on('close', (code) => {
    wsClosed = true;
    if (code === NORMAL_CLOSURE) socket.end();
    else socket.destroy();
    settle();
  });
  ws.on('error', () => socket.destroy());

  return {
    get bufferedBytes() {
      return socket.writableLength + ws.bufferedAmount;
    },
    moved,
    closed,
    destroy,
  };
}
