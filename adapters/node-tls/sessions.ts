/**
 * Session resumption through node:tls: the client side collects the sessions a
 * TLSSocket announces (`'session'`) and passes a stored one back (`session`); the
 * server side gives OpenSSL its ticket key, node:tls's 48-byte `ticketKeys`, either
 * given as such or the newest encrypting key of a `TicketKeyRing`. node:tls holds one
 * key at a time, so after a rotation tickets of older keys fall back to full handshakes.
 */
import type tls from 'node:tls';
import type { ServerConfiguration } from '../../src/configuration.js';
import { ConfigurationError } from '../../src/errors.js';
import { TICKET_KEY_LENGTH, TicketKeyRing } from '../../src/ticket-keys.js';
import type { SessionSource } from '../../src/tls-service.js';

/** The first byte of an OpenSSL session (DER SEQUENCE); other backends' sessions are not handed to node:tls. */
const DER_SEQUENCE = 0x30;

/** True when `session` is an OpenSSL session node:tls can take. */
export function isNodeSession(session: Uint8Array | undefined): session is Uint8Array {
  return session !== undefined && session.length > 0 && session[0] === DER_SEQUENCE;
}

/** The sessions of one client TLSSocket, as a SessionSource. */
export class SocketSessions implements SessionSource {
  private newest: Uint8Array | undefined;
  private readonly listeners = new Set<(session: Uint8Array) => void>();
  private socket: tls.TLSSocket | undefined;

  /** Starts collecting the sessions `socket` announces (call before the handshake). */
  watch(socket: tls.TLSSocket): void {
    this.socket = socket;
    socket.on('session', (session: Buffer) => {
      // node:tls makes a fresh Buffer per session: viewed as a Uint8Array, not copied.
      const bytes = new Uint8Array(session.buffer, session.byteOffset, session.byteLength);
      this.newest = bytes;
      for (const listener of this.listeners) listener(bytes);
    });
  }

  /** The newest session announced. */
  getSession(): Uint8Array | undefined {
    return this.newest;
  }

  /** True when the handshake resumed. */
  isSessionReused(): boolean {
    return this.socket?.isSessionReused() ?? false;
  }

  /** Calls `listener` with each session announced from now on. */
  onSession(listener: (session: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The 48-byte key node:tls should seal tickets with now, or undefined for its own random key. */
export function nodeTicketKey(options: ServerConfiguration, now = Date.now()): Uint8Array | undefined {
  const given = options.ticketKeys;
  if (given === undefined) return undefined;
  if (given instanceof TicketKeyRing) {
    const key = given.encryptionKey(now);
    if (!key) throw new ConfigurationError('node-tls: the ticket key ring has no key that may encrypt now');
    return key.material;
  }
  if (given.length !== TICKET_KEY_LENGTH) throw new ConfigurationError(`ticketKeys must be ${TICKET_KEY_LENGTH} bytes, not ${given.length}`);
  return given;
}

/** Rejects ticket options node:tls cannot honour (OpenSSL always sends two tickets through it). */
export function checkTicketOptions(options: ServerConfiguration): void {
  if (options.ticketCount !== undefined && options.ticketCount !== 2) {
    throw new ConfigurationError('node-tls: ticketCount cannot be changed through node:tls (OpenSSL sends 2)');
  }
}
