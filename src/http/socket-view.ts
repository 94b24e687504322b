/**
 * `socketView`: dresses a negotiated Connection's Duplex as the `net.Socket`/`TLSSocket`
 * that node:http, node:http2 and undici expect (addresses, `encrypted`, `alpnProtocol`,
 * idle `setTimeout`, `setNoDelay`, `setKeepAlive`, `ref`/`unref`, `destroySoon`) and as
 * much of `tls.TLSSocket` as applications read (`authorized`, `getPeerCertificate`,
 * `getCipher`, `getEphemeralKeyInfo`, `exportKeyingMaterial`, ...).
 * Used by every HTTP plug-in in this folder and by `connect`, on both sides.
 */
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type { Authorization } from '../node-api/authorization.js';
import { peerCertificateObject } from '../node-api/peer-certificate.js';
import type { RawConnection } from '../raw-connection.js';
import type { NegotiatedParameters, SessionSource } from '../tls-service.js';

/** Where a connection runs: the TCP socket underneath (when there is one) and the peer. */
export interface ConnectionEndpoints {
  /** The TCP socket under the TLS layer, used for ref/unref/no-delay/keep-alive. */
  readonly tcp: net.Socket | undefined;
  /** The peer's IP address. */
  readonly remoteAddress: string | undefined;
  /** The peer's port. */
  readonly remotePort: number | undefined;
  /** `IPv4` or `IPv6`. */
  readonly remoteFamily: string | undefined;
  /** Our IP address. */
  readonly localAddress: string | undefined;
  /** Our port. */
  readonly localPort: number | undefined;
}

/** The socket-shaped properties and methods a `socketView` adds to a Duplex. */
export interface SocketProperties {
  /** True when the connection is encrypted (any backend but a plaintext one). */
  readonly encrypted: boolean;
  /** The ALPN protocol agreed, or false (as `tls.TLSSocket.alpnProtocol`). */
  readonly alpnProtocol: string | false;
  /** The SNI host name, or false. */
  readonly servername: string | false;
  /** What the TLS layer agreed on. */
  readonly negotiated: NegotiatedParameters;
  /** The peer's IP address. */
  readonly remoteAddress: string | undefined;
  /** The peer's port. */
  readonly remotePort: number | undefined;
  /** `IPv4` or `IPv6`. */
  readonly remoteFamily: string | undefined;
  /** Our IP address. */
  readonly localAddress: string | undefined;
  /** Our port. */
  readonly localPort: number | undefined;
  /** The idle timeout in milliseconds set by `setTimeout` (0 = none). */
  readonly timeout: number;
  /** Emits 'timeout' after `ms` without reads or writes; 0 disables (as `net.Socket.setTimeout`). */
  setTimeout(ms: number, callback?: () => void): this;
  /** Sets TCP_NODELAY on the TCP socket underneath. */
  setNoDelay(noDelay?: boolean): this;
  /** Sets SO_KEEPALIVE on the TCP socket underneath. */
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  /** Lets the event loop exit while only this connection is open. */
  unref(): this;
  /** Undoes `unref`. */
  ref(): this;
  /** Ends the writable side, then destroys once everything is flushed. */
  destroySoon(): void;
  /** Marks activity now, restarting the idle timer (net.Socket's internal name; node:http calls it). */
  _unrefTimer(): void;
  /** True when the peer's certificate was verified against the trust anchors (as `tls.TLSSocket.authorized`). */
  readonly authorized: boolean;
  /** Why the peer is not authorized (an Error with node:tls's `code`), or null. */
  readonly authorizationError: (Error & { code?: string }) | null;
  /** The peer's certificate in node:tls's object shape with linked `issuerCertificate`s (`{}` without one, as node:tls). */
  getPeerCertificate(detailed: true): tls.DetailedPeerCertificate;
  /** The peer's certificate in node:tls's object shape (`{}` without one, as node:tls). */
  getPeerCertificate(detailed?: false): tls.PeerCertificate;
  /** The peer's certificate in node:tls's object shape (`detailed`: linked `issuerCertificate`s). */
  getPeerCertificate(detailed?: boolean): tls.PeerCertificate | tls.DetailedPeerCertificate;
  /** The peer's leaf as a node:crypto X509Certificate, or undefined. */
  getPeerX509Certificate(): X509Certificate | undefined;
  /** The protocol version (`TLSv1.3`), or null when not encrypted. */
  getProtocol(): string | null;
  /** `{ name, standardName, version }` of the agreed cipher suite (as `tls.TLSSocket.getCipher()`). */
  getCipher(): tls.CipherNameAndProtocol;
  /** The client's view of the key exchange (`{ type, name, size }`); `{}` on a server, null when not encrypted. */
  getEphemeralKeyInfo(): tls.EphemeralKeyInfo | Record<string, never> | null;
  /** Keying material (RFC 5705; RFC 8446 section 7.5), as `tls.TLSSocket.exportKeyingMaterial`. */
  exportKeyingMaterial(length: number, label: string, context?: Buffer): Buffer;
  /** True when the session was resumed. */
  isSessionReused(): boolean;
  /** `{ address, family, port }` of our end. */
  address(): net.AddressInfo | Record<string, never>;
  /** The newest session received, for the `session` option (as `tls.TLSSocket.getSession()`). */
  getSession(): Buffer | undefined;
  /** True when the connection resumed a session (as `tls.TLSSocket.isSessionReused()`). */
  isSessionReused(): boolean;
}

/** A Duplex that node:http, node:http2 and undici accept as their socket. */
export type SocketView = Duplex & SocketProperties;

/** The endpoints of a raw connection: reads the TCP socket when it can reach one, else parses `remoteAddress`. */
export function endpointsOf(raw: RawConnection | undefined): ConnectionEndpoints {
  const tcp = tcpSocketUnder(raw);
  if (tcp) {
    return {
      tcp,
      remoteAddress: tcp.remoteAddress,
      remotePort: tcp.remotePort,
      remoteFamily: tcp.remoteFamily,
      localAddress: tcp.localAddress,
      localPort: tcp.localPort,
    };
  }
  const text = raw?.remoteAddress;
  const colon = text?.lastIndexOf(':') ?? -1;
  const port = colon > 0 ? Number(text!.slice(colon + 1)) : NaN;
  const address = Number.isInteger(port) ? text!.slice(0, colon) : text;
  const family = address && net.isIP(address) ? (net.isIPv6(address) ? 'IPv6' : 'IPv4') : undefined;
  return {
    tcp: undefined,
    remoteAddress: address,
    remotePort: Number.isInteger(port) ? port : undefined,
    remoteFamily: family,
    localAddress: undefined,
    localPort: undefined,
  };
}

/** Finds the net.Socket under a raw connection and its decorators (`socket`, `inner` fields). */
function tcpSocketUnder(raw: unknown): net.Socket | undefined {
  for (let layer = raw, depth = 0; layer && typeof layer === 'object' && depth < 8; depth++) {
    const candidate = (layer as { socket?: unknown }).socket;
    if (candidate instanceof net.Socket) return candidate;
    layer = (layer as { inner?: unknown }).inner;
  }
  return undefined;
}

/** TLS facts a socket view reports beyond NegotiatedParameters. */
export interface SocketTLSDetails {
  /** True on the accepting side. */
  readonly isServer?: boolean;
  /** The verdict on the peer (default: authorized when a peer certificate is present). */
  readonly authorization?: Authorization;
  /** Exports keying material from the session. */
  readonly exportKeyingMaterial?: ((length: number, label: string, context?: Uint8Array) => Uint8Array) | undefined;
  /** Trust anchors the detailed peer certificate chain ends in. */
  readonly ca?: readonly (string | Uint8Array)[] | undefined;
  /** Where sessions come from: makes the view emit `'session'` (a Buffer) per ticket and answer getSession(). */
  readonly sessions?: SessionSource | undefined;
}

/** `getEphemeralKeyInfo()` values of the groups we negotiate, as OpenSSL reports them. */
const EPHEMERAL_KEYS: Readonly<Record<string, tls.EphemeralKeyInfo>> = {
  X25519: { type: 'ECDH', name: 'X25519', size: 253 },
  'P-256': { type: 'ECDH', name: 'prime256v1', size: 256 },
  'P-384': { type: 'ECDH', name: 'secp384r1', size: 384 },
  'P-521': { type: 'ECDH', name: 'secp521r1', size: 521 },
  X25519MLKEM768: { type: 'KEM', name: 'X25519MLKEM768', size: 9984 } as tls.EphemeralKeyInfo,
};

/** Adds the socket-shaped surface to `stream` in place and returns it. */
export function socketView(
  stream: Duplex,
  negotiated: NegotiatedParameters,
  endpoints: ConnectionEndpoints,
  details: SocketTLSDetails = {},
): SocketView {
  const view = stream as SocketView;
  const { tcp } = endpoints;
  let timeoutMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let referenced = true;

  const stopTimer = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const touch = (): void => {
    timer?.refresh();
  };

  // Reads and writes count as activity for the idle timer, as on net.Socket.
  const push = stream.push;
  stream.push = function pushWithActivity(this: Duplex, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk) touch();
    return push.call(this, chunk, encoding);
  };
  const write = stream.write;
  stream.write = function writeWithActivity(this: Duplex, ...args: unknown[]): boolean {
    touch();
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Duplex['write'];
  stream.once('close', stopTimer);
  const sessions = details.sessions;
  if (sessions) {
    const stop = sessions.onSession((session) => view.emit('session', Buffer.from(session)));
    stream.once('close', stop);
  }

  const encrypted = negotiated.protocol !== 'none';
  const authorization = details.authorization ?? {
    authorized: encrypted && negotiated.peerCertificates.length > 0,
    authorizationError: null,
  };
  const surface: Omit<SocketProperties, 'timeout'> = {
    encrypted,
    authorized: authorization.authorized,
    authorizationError: authorization.authorizationError,
    alpnProtocol: negotiated.alpnProtocol ?? false,
    servername: negotiated.servername ?? false,
    negotiated,
    remoteAddress: endpoints.remoteAddress,
    remotePort: endpoints.remotePort,
    remoteFamily: endpoints.remoteFamily,
    localAddress: endpoints.localAddress,
    localPort: endpoints.localPort,
    setTimeout(ms: number, callback?: () => void) {
      timeoutMs = ms;
      stopTimer();
      if (callback) {
        if (ms === 0) view.removeListener('timeout', callback);
        else view.once('timeout', callback);
      }
      if (ms > 0 && !view.destroyed) {
        timer = setTimeout(() => {
          timer = undefined;
          view.emit('timeout');
        }, ms);
        if (!referenced) timer.unref();
      }
      return view;
    },
    setNoDelay(noDelay = true) {
      tcp?.setNoDelay(noDelay);
      return view;
    },
    setKeepAlive(enable = false, initialDelay = 0) {
      tcp?.setKeepAlive(enable, initialDelay);
      return view;
    },
    unref() {
      referenced = false;
      tcp?.unref();
      timer?.unref();
      return view;
    },
    ref() {
      referenced = true;
      tcp?.ref();
      timer?.ref();
      return view;
    },
    destroySoon() {
      if (view.writable) view.end();
      if (view.writableFinished) view.destroy();
      else view.once('finish', () => view.destroy());
    },
    _unrefTimer: touch,
    getPeerCertificate: ((detailed = false) =>
      peerCertificateObject(negotiated.peerCertificates, detailed, details.ca)) as SocketProperties['getPeerCertificate'],
    getPeerX509Certificate() {
      const leaf = negotiated.peerCertificates[0];
      return leaf ? new X509Certificate(leaf) : undefined;
    },
    getProtocol() {
      return encrypted ? negotiated.protocol : null;
    },
    getSession() {
      const session = sessions?.getSession();
      return session ? Buffer.from(session) : undefined;
    },
    
    getCipher() {
      const name = negotiated.cipherSuite ?? 'NONE';
      return { name, standardName: name, version: negotiated.protocol };
    },
    getEphemeralKeyInfo() {
      if (!encrypted) return null;
      if (details.isServer) return {};
      return (negotiated.group && EPHEMERAL_KEYS[negotiated.group]) || {};
    },
    exportKeyingMaterial(length: number, label: string, context?: Buffer) {
      if (!details.exportKeyingMaterial) throw new TypeError(`the ${negotiated.backend} backend cannot export keying material`);
      const material = details.exportKeyingMaterial(length, label, context);
      return Buffer.from(material.buffer, material.byteOffset, material.byteLength);
    },
    isSessionReused() {
      return details.sessions?.isSessionReused() ?? negotiated.resumed;
    },
    address(): net.AddressInfo | Record<string, never> {
      if (endpoints.localAddress === undefined || endpoints.localPort === undefined) return {};
      return {
        address: endpoints.localAddress,
        port: endpoints.localPort,
        family: net.isIPv6(endpoints.localAddress) ? 'IPv6' : 'IPv4',
      };
    },
  };
  Object.assign(view, surface);
  Object.defineProperty(view, 'timeout', { get: () => timeoutMs, configurable: true, enumerable: true });
  return view;
}
