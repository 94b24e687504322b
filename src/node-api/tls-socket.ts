/**
 * `TLSSocket`: what `connect()` returns at once, like `tls.connect`: a Duplex that
 * buffers writes until the handshake is done, then moves bytes through the negotiated
 * Connection, emits 'secureConnect' (and 'secure'), and wears the tls.TLSSocket surface
 * of `socketView`. Also the socket a server's 'tlsClientError' receives for a failed
 * handshake (destroying it releases the connection, as on node:tls).
 */
import { Duplex } from 'node:stream';
import type { Connection } from '../connection.js';
import type { RawConnection } from '../raw-connection.js';
import { endpointsOf, socketView, type SocketProperties, type SocketTLSDetails, type SocketView } from '../http/socket-view.js';

/** Bytes each read asks the Connection for. */
const READ_SIZE = 64 * 1024;

/** Methods callers may use before the handshake; replayed on the dressed socket after it. */
const EARLY_METHODS = ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref'] as const;

/** A negotiated connection and what the socket should report about it. */
export interface SecuredConnection {
  readonly connection: Connection;
  readonly details: SocketTLSDetails;
}

/** The socket surface a TLSSocket wears once negotiated (and, for the early methods, before). */
export interface TLSSocket extends Omit<SocketProperties, 'encrypted' | 'authorized' | 'authorizationError' | 'alpnProtocol'> {}

/** A tls.TLSSocket-shaped Duplex over a Connection that is still being negotiated. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class TLSSocket extends Duplex {
  /** True: the socket is (or will be) encrypted; false for the plaintext backend. */
  encrypted = true;
  /** False until the handshake verified the peer. */
  authorized = false;
  /** Why the peer is not authorized, once known. */
  authorizationError: (Error & { code?: string }) | null = null;
  /** The ALPN protocol, once agreed. */
  alpnProtocol: string | false = false;
  /** True while the handshake runs (as net.Socket's `connecting`). */
  connecting = true;
  private connection: Connection | undefined;
  private readonly ready: Promise<Connection>;
  private readonly early: { method: (typeof EARLY_METHODS)[number]; args: unknown[] }[] = [];
  private raw: RawConnection | undefined;

  constructor(open: (socket: TLSSocket) => Promise<SecuredConnection>) {
    super({ allowHalfOpen: false });
    for (const method of EARLY_METHODS) {
      (this as unknown as Record<string, (...args: unknown[]) => this>)[method] = (...args: unknown[]) => {
        this.early.push({ method, args });
        return this;
      };
    }
    this.ready = open(this).then(
      (secured) => this.secure(secured),
      (error: unknown) => {
        this.destroy(error instanceof Error ? error : new Error(String(error)));
        throw error;
      },
    );
    this.ready.catch(() => undefined);
  }

  /** Records the raw connection while the handshake runs, so destroy() can end it. */
  attachRaw(raw: RawConnection): void {
    this.raw = raw;
    if (this.destroyed) raw.destroy?.();
  }

  private secure({ connection, details }: SecuredConnection): Connection {
    if (this.destroyed) {
      connection.abandon();
      throw new Error('socket destroyed during the handshake');
    }
    this.connection = connection;
    this.connecting = false;
    for (const method of EARLY_METHODS) delete (this as unknown as Record<string, unknown>)[method];
    socketView(this, connection.negotiated, endpointsOf(connection.rawConnection), details);
    for (const { method, args } of this.early.splice(0)) {
      (this as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
    }
    this.emit('secure');
    this.emit('secureConnect');
    return connection;
  }

  override _read(): void {
    this.ready
      .then((connection) => connection.receiveBytes(READ_SIZE))
      .then(
        (bytes) => {
          if (!this.destroyed) this.push(bytes.length === 0 ? null : bytes);
        },
        (error: unknown) => {
          if (!this.destroyed && this.connection?.hasClosed) this.push(null);
          else if (!this.destroyed) this.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.ready.then((connection) => connection.sendBytes(chunk)).then(() => callback(), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.ready.then((connection) => connection.sendBytes(chunks.map((c) => c.chunk))).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ready.then((connection) => connection.close()).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.connection) this.connection.abandon();
    else this.raw?.destroy?.();
    callback(error);
  }
}

/** The socket 'tlsClientError' gets for a failed handshake: the peer's addresses, and destroy() ends the raw connection. */
export function failedHandshakeSocket(raw: RawConnection | undefined, error: Error): SocketView {
  const stream = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback(error);
    },
    destroy(cause, callback) {
      raw?.destroy?.();
      callback(cause);
    },
  });
  const negotiated = {
    backend: 'unknown', protocol: 'unknown', cipherSuite: undefined, group: undefined, alpnProtocol: undefined,
    servername: undefined, peerCertificates: [], resumed: false,
  };
  const view = socketView(stream, negotiated, endpointsOf(raw), {
    authorization: { authorized: false, authorizationError: error },
  });
  return view;
}
