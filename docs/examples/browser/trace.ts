/**
 * The IO trace behind the sequence diagram: `TracingRawConnection` records every
 * sendBytes and receiveBytes the engine's service makes (time, size, bytes), and
 * `decodeTrace` splits them into TLS records afterwards. Encrypted records are opened
 * with the engine's own NSS key log (the `keylog` option), as Wireshark does with
 * SSLKEYLOGFILE, so the diagram can name EncryptedExtensions, Certificate, Finished...
 */
import {
  ALL_CIPHER_SUITES, HandshakeType, alertNameFor, byteLength, nobleCryptoProvider, type ByteSource, type CipherSuite,
  type RawConnection,
} from 'tlsservice/engine';

/** One TLS record as the diagram shows it. */
export interface TracedRecord {
  /** The outer content type (`handshake`, `application_data`, ...). */
  readonly outer: string;
  /** Bytes on the wire, header included. */
  readonly length: number;
  /** What it carries: handshake message names, `alert close_notify`, `data 77 B`, or `encrypted` when it could not be opened. */
  readonly contents: readonly string[];
  readonly encrypted: boolean;
}

/** One IO call: a write (`sent`) or a read (`received`) of the traced side. */
export interface TraceEvent {
  readonly direction: 'sent' | 'received';
  /** Milliseconds since the trace started. */
  readonly at: number;
  readonly bytes: number;
  /** The records that completed in this call. */
  readonly records: readonly TracedRecord[];
}

interface RawEvent {
  readonly direction: 'sent' | 'received';
  readonly at: number;
  readonly data: Uint8Array;
}

/** A RawConnection decorator that keeps a copy of every byte sent and received, with its time. */
export class TracingRawConnection implements RawConnection {
  /** The IO calls so far. */
  readonly events: RawEvent[] = [];
  /** NSS key-log lines given to `keylog`. */
  readonly keylogLines: string[] = [];
  private readonly start = performance.now();

  constructor(
    private readonly inner: RawConnection,
    /** Which role the traced side plays (decides which key-log secrets open which direction). */
    readonly role: 'client' | 'server',
  ) {}

  /** Pass this as the `keylog` option of the TLS configuration. */
  readonly keylog = (line: string): void => void this.keylogLines.push(line);

  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }

  async sendBytes(data: ByteSource): Promise<void> {
    const pieces = data instanceof Uint8Array ? [data] : data;
    const copy = new Uint8Array(byteLength(data));
    let offset = 0;
    for (const piece of pieces) {
      copy.set(piece, offset);
      offset += piece.length;
    }
    this.events.push({ direction: 'sent', at: performance.now() - this.start, data: copy });
    await this.inner.sendBytes(data);
  }

  async receiveBytes(max: number): Promise<Uint8Array> {
    const bytes = await this.inner.receiveBytes(max);
    this.events.push({ direction: 'received', at: performance.now() - this.start, data: bytes.slice() });
    return bytes;
  }

  shutdownWrite(): Promise<void> {
    return this.inner.shutdownWrite();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(): void {
    this.inner.destroy?.();
  }
}

const CONTENT_TYPES: Readonly<Record<number, string>> = { 20: 'change_cipher_spec', 21: 'alert', 22: 'handshake', 23: 'application_data' };
const HANDSHAKE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(HandshakeType).map(([name, code]) => [code, name.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')]),
);

/** HKDF-Expand-Label (RFC 8446 section 7.1) over the noble provider. */
function expandLabel(suite: CipherSuite, secret: Uint8Array, label: string, length: number): Uint8Array {
  const full = new TextEncoder().encode(`tls13 ${label}`);
  const info = new Uint8Array([length >> 8, length & 0xff, full.length, ...full, 0]);
  return nobleCryptoProvider.hkdfExpand(suite.hash, secret, info, length);
}

/** The record protection of one direction, advanced from handshake to application keys when a record does not open. */
class DirectionKeys {
  private index = 0;
  private sequence = 0n;

  constructor(private readonly secrets: readonly Uint8Array[]) {}

  open(suite: CipherSuite, header: Uint8Array, ciphertext: Uint8Array): { type: number; content: Uint8Array } | undefined {
    for (; this.index < this.secrets.length; this.index++, this.sequence = 0n) {
      const secret = this.secrets[this.index]!;
      const key = nobleCryptoProvider.aead(suite.aead, expandLabel(suite, secret, 'key', suite.keyLength));
      const nonce = expandLabel(suite, secret, 'iv', 12);
      for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((this.sequence >> BigInt(8 * i)) & 0xffn);
      const plain = key.open(nonce, ciphertext, header);
      if (!plain) continue;
      this.sequence++;
      let end = plain.length;
      while (end > 0 && plain[end - 1] === 0) end--; // padding (RFC 8446 section 5.4)
      return { type: plain[end - 1]!, content: plain.subarray(0, end - 1) };
    }
    return undefined;
  }
}

function secretsOf(lines: readonly string[], side: 'CLIENT' | 'SERVER'): Uint8Array[] {
  const wanted = [`${side}_HANDSHAKE_TRAFFIC_SECRET`, `${side}_TRAFFIC_SECRET_0`];
  return wanted.flatMap((label) => {
    const line = lines.find((l) => l.startsWith(`${label} `));
    const hex = line?.split(' ')[2];
    return hex ? [Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16))] : [];
  });
}

/** Splits the traced bytes into records per direction and names what each carries. */
export function decodeTrace(trace: TracingRawConnection): TraceEvent[] {
  const own = trace.role === 'client' ? 'CLIENT' : 'SERVER';
  const peer = trace.role === 'client' ? 'SERVER' : 'CLIENT';
  const keys = {
    sent: new DirectionKeys(secretsOf(trace.keylogLines, own)),
    received: new DirectionKeys(secretsOf(trace.keylogLines, peer)),
  };
  const pending = { sent: new Uint8Array(0), received: new Uint8Array(0) };
  const handshake = { sent: new Uint8Array(0), received: new Uint8Array(0) };
  let suite: CipherSuite | undefined;

  const handshakeMessages = (direction: 'sent' | 'received', content: Uint8Array): string[] => {
    const joined = new Uint8Array(handshake[direction].length + content.length);
    joined.set(handshake[direction]);
    joined.set(content, handshake[direction].length);
    const names: string[] = [];
    let offset = 0;
    while (joined.length - offset >= 4) {
      const length = (joined[offset + 1]! << 16) | (joined[offset + 2]! << 8) | joined[offset + 3]!;
      if (joined.length - offset < 4 + length) break;
      const type = joined[offset]!;
      if (type === HandshakeType.server_hello && length >= 38) {
        const body = joined.subarray(offset + 4);
        const sessionIdLength = body[34]!;
        const code = (body[35 + sessionIdLength]! << 8) | body[36 + sessionIdLength]!;
        suite = ALL_CIPHER_SUITES.find((s) => s.code === code) ?? suite;
      }
      names.push(`${HANDSHAKE_NAMES[type] ?? `handshake ${type}`} (${4 + length} B)`);
      offset += 4 + length;
    }
    handshake[direction] = joined.slice(offset);
    return names;
  };

  const describe = (direction: 'sent' | 'received', type: number, content: Uint8Array): string[] => {
    if (type === 22) return handshakeMessages(direction, content);
    if (type === 21) return [`alert ${alertNameFor(content[1] ?? -1) ?? content[1]}`];
    if (type === 20) return ['ChangeCipherSpec'];
    if (type === 23) return [`data ${content.length} B`];
    return [`type ${type}`];
  };

  return trace.events.map((event) => {
    const buffer = new Uint8Array(pending[event.direction].length + event.data.length);
    buffer.set(pending[event.direction]);
    buffer.set(event.data, pending[event.direction].length);
    const records: TracedRecord[] = [];
    let offset = 0;
    while (buffer.length - offset >= 5) {
      const length = (buffer[offset + 3]! << 8) | buffer[offset + 4]!;
      if (buffer.length - offset < 5 + length) break;
      const header = buffer.subarray(offset, offset + 5);
      const fragment = buffer.subarray(offset + 5, offset + 5 + length);
      const outer = buffer[offset]!;
      const opened = outer === 23 && suite ? keys[event.direction].open(suite, header, fragment) : undefined;
      records.push({
        outer: CONTENT_TYPES[outer] ?? `type ${outer}`,
        length: 5 + length,
        encrypted: outer === 23,
        contents: opened ? describe(event.direction, opened.type, opened.content) : outer === 23 ? ['encrypted'] : describe(event.direction, outer, fragment),
      });
      offset += 5 + length;
    }
    pending[event.direction] = buffer.slice(offset);
    return { direction: event.direction, at: event.at, bytes: event.data.length, records };
  });
}
