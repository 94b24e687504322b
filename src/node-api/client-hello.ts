/**
 * Reads the server_name (RFC 6066 section 3) out of a ClientHello before any backend
 * sees it, so `SNICallback` can pick the configuration a connection negotiates with on
 * every backend alike. Only what SNI needs is parsed; the backend validates the rest.
 */
import { concatBytes, type RawConnection } from '../raw-connection.js';
import { ReplayRawConnection } from './replay-raw.js';

/** The most bytes read while looking for the end of the ClientHello (it may span records; RFC 8446 section 5.1). */
export const MAX_CLIENT_HELLO_PEEK = 70 * 1024;

/** Bytes asked of the raw connection per read (what the noble engine asks for). */
const PEEK_READ_SIZE = 65536;

const RECORD_HEADER = 5;
const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const SERVER_NAME = 0;
const HOST_NAME = 0;

/** The handshake bytes carried by the complete handshake records at the start of `data`, and whether a non-handshake record ended them. */
function handshakeBytes(data: Uint8Array): { bytes: Uint8Array; stopped: boolean } {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at + RECORD_HEADER <= data.length) {
    if (data[at] !== HANDSHAKE) return { bytes: concatBytes(parts), stopped: true };
    const length = (data[at + 3]! << 8) | data[at + 4]!;
    if (at + RECORD_HEADER + length > data.length) break;
    parts.push(data.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length));
    at += RECORD_HEADER + length;
  }
  return { bytes: concatBytes(parts), stopped: false };
}

/**
 * The outcome of looking at what arrived so far: `undefined` while the ClientHello is
 * incomplete; otherwise the host name (or null when there is none or the bytes are not a
 * ClientHello: the backend will answer those).
 */
export function serverNameIn(data: Uint8Array): string | null | undefined {
  if (data.length > 0 && data[0] !== HANDSHAKE) return null;
  const { bytes, stopped } = handshakeBytes(data);
  if (bytes.length >= 1 && bytes[0] !== CLIENT_HELLO) return null;
  if (bytes.length < 4) return stopped ? null : undefined;
  const length = (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
  if (bytes.length < 4 + length) return stopped ? null : undefined;
  return serverNameOf(bytes.subarray(4, 4 + length));
}

/** The host_name in a ClientHello body, or null. */
function serverNameOf(body: Uint8Array): string | null {
  let at = 2 + 32; // legacy_version, random
  const skip = (lengthBytes: number): boolean => {
    if (at + lengthBytes > body.length) return false;
    let length = 0;
    for (let i = 0; i < lengthBytes; i++) length = (length << 8) | body[at + i]!;
    at += lengthBytes + length;
    return at <= body.length;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return null; // session id, cipher suites, compression methods
  if (at + 2 > body.length) return null;
  const end = Math.min(body.length, at + 2 + ((body[at]! << 8) | body[at + 1]!));
  at += 2;
  while (at + 4 <= end) {
    const type = (body[at]! << 8) | body[at + 1]!;
    const length = (body[at + 2]! << 8) | body[at + 3]!;
    const data = body.subarray(at + 4, Math.min(end, at + 4 + length));
    at += 4 + length;
    if (type !== SERVER_NAME) continue;
    // ServerNameList: length (2), then entries of name_type (1), length (2), name.
    let i = 2;
    while (i + 3 <= data.length) {
      const nameType = data[i]!;
      const nameLength = (data[i + 1]! << 8) | data[i + 2]!;
      const name = data.subarray(i + 3, i + 3 + nameLength);
      if (nameType === HOST_NAME && name.length === nameLength && nameLength > 0) {
        return new TextDecoder('latin1').decode(name).toLowerCase();
      }
      i += 3 + nameLength;
    }
    return null;
  }
  return null;
}

/** Reads until the ClientHello is in (or MAX_CLIENT_HELLO_PEEK bytes, or the end); returns its SNI name and a connection that replays what was read. */
export async function peekServerName(raw: RawConnection): Promise<{ raw: RawConnection; servername: string | null }> {
  let data: Uint8Array = new Uint8Array(0);
  for (;;) {
    const bytes = await raw.receiveBytes(PEEK_READ_SIZE);
    if (bytes.length > 0) data = data.length === 0 ? bytes : concatBytes([data, bytes]);
    const found = bytes.length === 0 || data.length >= MAX_CLIENT_HELLO_PEEK ? (serverNameIn(data) ?? null) : serverNameIn(data);
    if (found !== undefined) return { raw: new ReplayRawConnection(raw, data), servername: found };
  }
}
