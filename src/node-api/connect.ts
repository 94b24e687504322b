/**
 * `connect()`: `tls.connect` on any backend. Takes node:tls's arguments
 * (`connect(options[, listener])`, `connect(port[, host][, options][, listener])`) and option
 * names, returns a TLSSocket at once and emits 'secureConnect' when negotiated. `backend`
 * picks the backend (default noble); a `container` still injects one.
 */
import type { ClientConfiguration } from '../configuration.js';
import { Connection } from '../connection.js';
import { serviceFrom } from '../di/container.js';
import { connectTCP } from '../raw/tcp.js';
import { clientConfigurationFrom, containerFrom, servernameFor } from '../http/tls-options.js';
import { authorizationOf } from './authorization.js';
import type { NodeClientOptions } from './options.js';
import { warnOnce } from './options.js';
import { TLSSocket } from './tls-socket.js';
import { caList } from './server-parts.js';

/** Options of `connect`: node:tls client options plus where to connect. */
export interface ConnectOptions extends NodeClientOptions {
  /** Host to connect to (default `localhost`). */
  host?: string;
  /** Port to connect to. */
  port?: number | string;
  /** Milliseconds of inactivity before 'timeout' (as net.Socket's `timeout` option). */
  timeout?: number;
}

/** The `(port, host, options, listener)` argument forms of tls.connect, as one options object and listener. */
function connectArguments(args: unknown[]): { options: ConnectOptions; listener: (() => void) | undefined } {
  const listener = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
  let options: ConnectOptions = {};
  if (args[0] !== null && typeof args[0] === 'object') {
    options = { ...(args[0] as ConnectOptions) };
  } else {
    const [port, second, third] = args;
    options = { port: port as number | string };
    if (typeof second === 'string') options.host = second;
    const extra = typeof second === 'object' && second !== null ? second : third;
    if (extra && typeof extra === 'object') options = { ...(extra as ConnectOptions), ...options };
  }
  return { options, listener };
}

/** The TLS client options node:tls reads from `connect` options but this layer does not support. */
const UNSUPPORTED_CONNECT = ['socket', 'path', 'lookup', 'localAddress', 'family'] as const;

/** Like `tls.connect`: returns the socket now, negotiates in the background, emits 'secureConnect' or 'error'. */
export function connect(options: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, host?: string, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, options?: ConnectOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options, listener } = connectArguments(args);
  for (const name of UNSUPPORTED_CONNECT) {
    if ((options as Record<string, unknown>)[name] !== undefined) warnOnce(name, `connect option ${name} is not supported yet and is ignored`);
  }
  // Checked now, as tls.connect throws synchronously for bad options.
  const configuration: ClientConfiguration = clientConfigurationFrom(options);
  const container = containerFrom(options);
  const host = options.host ?? 'localhost';
  const port = Number(options.port);
  const servername = configuration.servername ?? servernameFor(host);
  const socket = new TLSSocket(async (self) => {
    const raw = await connectTCP({ host: servernameFor(host), port });
    self.attachRaw(raw);
    const connection = await Connection.toServer(raw, {
      service: serviceFrom(container),
      ...configuration,
      servername,
      ...keylogTo(self, configuration),
    });
    return {
      connection,
      details: {
        isServer: false,
        authorization: authorizationOf({
          peerCertificates: connection.negotiated.peerCertificates,
          enforced: configuration.rejectUnauthorized !== false,
          ca: configuration.ca,
          purpose: 'serverAuth',
          hostname: servername,
        }),
        exportKeyingMaterial: connection.tlsService.exportKeyingMaterial?.bind(connection.tlsService),
        ca: caList(configuration.ca),
      },
    };
  });
  if (listener) socket.once('secureConnect', listener);
  if (options.timeout !== undefined) socket.setTimeout(options.timeout);
  return socket;
}

/** A keylog hook that emits 'keylog' (a Buffer line, as node:tls) on the socket, besides the configured one. */
function keylogTo(socket: TLSSocket, configuration: ClientConfiguration): { keylog?: (line: string) => void } {
  const configured = configuration.keylog;
  return {
    keylog: (line) => {
      configured?.(line);
      if (socket.listenerCount('keylog') > 0) socket.emit('keylog', Buffer.from(`${line}\n`, 'latin1'));
    },
  };
}
