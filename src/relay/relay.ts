/**
 * The WebSocket <-> TCP relay behind `tlsservice relay`, so a TLS endpoint in a browser
 * can reach TCP and be reached from it. It only moves bytes (`pipe.ts`); TLS runs end
 * to end between the browser and the TCP peer.
 *
 * - `to`: every WebSocket opened to the relay is connected to one TCP `host:port`
 *   (a browser client -> a TLS server on TCP).
 * - `expose`: a browser that serves TLS opens a control WebSocket at `/listen`; for every
 *   TCP client on the exposed port the relay sends it `{"accept":"<id>"}` (text), and the
 *   browser opens a data WebSocket at `/accept/<id>` that is piped to that TCP client.
 *
 * Bounded: at most `maxConnections` relayed (and pending) connections, one control
 * socket, a pairing timeout, and the per-connection limits of `pipe.ts`.
 */
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBSOCKET_MAX_MESSAGE_BYTES } from '../raw/websocket.js';
import { pipeWebSocketToTCP, type PipeLimits, type RelayedConnection } from './pipe.js';

/** Relayed connections (and TCP clients waiting for the browser) at once; more are refused. */
export const RELAY_MAX_CONNECTIONS = 64;
/** A TCP client on the exposed port is dropped if the browser has not opened its data WebSocket by then. */
export const RELAY_PAIRING_TIMEOUT_MS = 10_000;

/** Where the relay sends its WebSocket peers: a TCP address, or a TCP port it exposes. */
export type RelayTarget = { readonly to: { readonly host: string; readonly port: number } } | { readonly expose: number };

/** Options of `startRelay`. */
export interface RelayOptions extends PipeLimits {
  /** The WebSocket port (0: any free one). */
  readonly listen: number;
  /** The address both listeners bind (default 127.0.0.1). */
  readonly host?: string;
  readonly target: RelayTarget;
  /** Default RELAY_MAX_CONNECTIONS. */
  readonly maxConnections?: number;
  /** Default RELAY_PAIRING_TIMEOUT_MS. */
  readonly pairingTimeoutMs?: number;
  /** Receives one line per event (connections opened, refused, closed). */
  readonly log?: (line: string) => void;
}

/** A running relay. */
export interface Relay {
  /** The WebSocket port. */
  readonly port: number;
  /** The exposed TCP port (expose mode). */
  readonly exposedPort: number | undefined;
  /** The connections being relayed now. */
  readonly connections: ReadonlySet<RelayedConnection>;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

interface PendingClient {
  readonly socket: net.Socket;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Starts a relay; resolves once it listens. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const maxConnections = options.maxConnections ?? RELAY_MAX_CONNECTIONS;
  const log = options.log ?? (() => undefined);
  const connections = new Set<RelayedConnection>();
  const pending = new Map<string, PendingClient>();
  let control: WebSocket | undefined;
  let nextId = 1;
  let connecting = 0;
  const busy = (): boolean => connections.size + pending.size + connecting >= maxConnections;

  const track = (relayed: RelayedConnection, what: string): void => {
    connections.add(relayed);
    log(`${what} opened (${connections.size} relayed)`);
    void relayed.closed.then(() => {
      connections.delete(relayed);
      log(`${what} closed: ${relayed.moved.toTCP} bytes to TCP, ${relayed.moved.toWebSocket} to WebSocket`);
    });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: WEBSOCKET_MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const server = http.createServer((_, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('this is a WebSocket relay\n');
  });
  server.on('upgrade', (request, socket, head) => {
    const refuse = (status: number, reason: string): void => {
      log(`refused ${request.url}: ${reason}`);
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = new URL(request.url ?? '/', 'ws://relay').pathname;
    if ('to' in options.target) {
      const to = options.target.to;
      if (busy()) return refuse(503, 'Too Many Connections');
      wss.handleUpgrade(request, socket, head, (ws) => {
        const tcp = net.connect({ host: to.host, port: to.port });
        const label = `${request.socket.remoteAddress}:${request.socket.remotePort} -> ${to.host}:${to.port}`;
        connecting++;
        let settled = false;
        const settle = (): boolean => {
          if (settled) return false;
          settled = true;
          connecting--;
          return true;
        };
        ws.pause(); // hold the browser's first flight until TCP is connected
        const abandon = (): void => {
          settle();
          tcp.destroy();
        };
        ws.once('close', abandon);
        tcp.once('connect', () => {
          if (!settle()) return;
          ws.off('close', abandon);
          ws.resume();
          track(pipeWebSocketToTCP(ws, tcp, options), label);
        });
        tcp.once('error', (error) => {
          if (!settle()) return;
          log(`${label}: ${error.message}`);
          ws.terminate();
        });
      });
      return;
    }
    if (path === '/listen') {
      if (control) return refuse(409, 'Already Listening');
      wss.handleUpgrade(request, socket, head, (ws) => {
        control = ws;
        log('a server listens');
        ws.on('message', () => ws.close(1008, 'the control socket takes no messages'));
        ws.on('close', () => {
          if (control === ws) control = undefined;
          log('the server stopped listening');
        });
      });
      return;
    }
    const match = /^\/accept\/(\d+)$/.exec(path);
    const client = match ? pending.get(match[1]!) : undefined;
    if (!match || !client) return refuse(404, 'No Such Connection');
    pending.delete(match[1]!);
    clearTimeout(client.timer);
    wss.handleUpgrade(request, socket, head, (ws) => {
      client.socket.resume();
      track(pipeWebSocketToTCP(ws, client.socket, options), `${client.socket.remoteAddress}:${client.socket.remotePort} -> browser`);
    });
  });

  let tcpServer: net.Server | undefined;
  if ('expose' in options.target) {
    tcpServer = net.createServer({ pauseOnConnect: true }, (socket) => {
      if (!control || control.readyState !== control.OPEN) {
        log('refused a TCP client: no server listens');
        socket.destroy();
        return;
      }
      if (busy()) {
        log('refused a TCP client: too many connections');
        socket.destroy();
        return;
      }
      const id = String(nextId++);
      const timer = setTimeout(() => {
        pending.delete(id);
        log(`TCP client ${id} dropped: the server did not accept it in time`);
        socket.destroy();
      }, options.pairingTimeoutMs ?? RELAY_PAIRING_TIMEOUT_MS);
      pending.set(id, { socket, timer });
      socket.once('close', () => {
        if (pending.get(id)?.socket === socket) {
          clearTimeout(timer);
          pending.delete(id);
        }
      });
      socket.on('error', () => undefined);
      control.send(JSON.stringify({ accept: id, peer: `${socket.remoteAddress}:${socket.remotePort}` }));
    });
    await listen(tcpServer, options.target.expose, host);
  }
  await listen(server, options.listen, host);

  return {
    port: (server.address() as net.AddressInfo).port,
    exposedPort: tcpServer ? (tcpServer.address() as net.AddressInfo).port : undefined,
    connections,
    async close() {
      for (const client of pending.values()) {
        clearTimeout(client.timer);
        client.socket.destroy();
      }
      pending.clear();
      control?.terminate();
      for (const relayed of connections) relayed.destroy();
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        tcpServer ? new Promise<void>((resolve) => tcpServer.close(() => resolve())) : undefined,
      ]);
    },
  };
}

function listen(server: net.Server | http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
