/**
 * A reference outside tlsservice for the connection-rate and bulk tables: node:tls used
 * directly (`tls.createServer`, and `tls.connect` with one SecureContext per process,
 * both created once), running the same PING/PONG exchange and the same one-way bulk
 * transfer, so the cost of our layer over OpenSSL is visible.
 */
import net from 'node:net';
import tls from 'node:tls';
import { benchClientConfiguration, benchServerConfiguration } from './backends.js';

/** The reference's name in tables; never a BACKEND_NAMES entry. */
export const DIRECT_NODE_TLS = 'node:tls direct (reference)';

const PONG = Buffer.from('PONG');

let clientContext: tls.SecureContext | undefined;

function pemText(input: unknown): string {
  if (typeof input !== 'string') throw new Error('bench certificates are PEM text');
  return input;
}

/** A node:tls server answering PING with PONG and closing, listening on 127.0.0.1. */
export function directPingPongServer(onError: () => void): net.Server {
  const configuration = benchServerConfiguration();
  // tls.Server builds its SecureContext once from these options.
  const server = tls.createServer({ cert: pemText(configuration.cert), key: pemText(configuration.key) }, (socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= 4) socket.end(PONG);
    });
    socket.on('error', () => {
      onError();
      socket.destroy();
    });
  });
  server.on('tlsClientError', onError);
  return server;
}

/** A client's resumption state across connections: the newest session node:tls gave it. */
export interface DirectSessionState {
  session?: Buffer;
}

/**
 * One connection to a direct server: handshake (verifying the server), PING, PONG, close.
 * With `sessions`, it offers the newest session and keeps the one the server sends.
 */
export function directPingPong(
  port: number,
  sessions?: DirectSessionState,
): Promise<{ cipherSuite: string | undefined; group: string | undefined; resumed: boolean }> {
  const configuration = benchClientConfiguration();
  clientContext ??= tls.createSecureContext({ ca: pemText(configuration.ca) });
  return new Promise((resolve, reject) => {
    const offered = sessions?.session ? { session: sessions.session } : {};
    const socket = tls.connect({ host: '127.0.0.1', port, servername: configuration.servername, secureContext: clientContext, ...offered });
    if (sessions) socket.on('session', (session: Buffer) => (sessions.session = session));
    socket.setNoDelay(true);
    let answer = '';
    let agreed: { cipherSuite: string | undefined; group: string | undefined; resumed: boolean } | undefined;
    socket.once('secureConnect', () => {
      const key = socket.getEphemeralKeyInfo();
      agreed = {
        cipherSuite: socket.getCipher()?.standardName,
        group: key && 'name' in key ? String(key.name) : undefined,
        resumed: socket.isSessionReused(),
      };
      socket.write('PING');
    });
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.once('end', () => {
      socket.end();
      if (answer === 'PONG' && agreed) resolve(agreed);
      else reject(new Error(`expected PONG, got ${JSON.stringify(answer)}`));
    });
    socket.once('error', reject);
  });
}

const DONE = Buffer.from('DONE');
/** One client SecureContext per TLS 1.3 suite for the bulk runs. */
const suiteContexts = new Map<string, tls.SecureContext>();

/** A node:tls server for the bulk table: an 8-byte big-endian length, that many bytes, then DONE; closes when the client does. */
export function directSinkServer(onError: () => void): net.Server {
  const configuration = benchServerConfiguration();
  const server = tls.createServer({ cert: pemText(configuration.cert), key: pemText(configuration.key) }, (socket) => {
    let header: Buffer = Buffer.alloc(0);
    let left: number | undefined;
    socket.on('data', (chunk: Buffer) => {
      if (left === undefined) {
        header = Buffer.concat([header, chunk]);
        if (header.length < 8) return;
        left = Number(header.readBigUInt64BE(0)) - (header.length - 8);
      } else {
        left -= chunk.length;
      }
      if (left <= 0) socket.write(DONE);
    });
    socket.on('end', () => socket.end());
    socket.on('error', () => {
      onError();
      socket.destroy();
    });
  });
  server.on('tlsClientError', onError);
  return server;
}

/** One bulk run against a direct sink server: `bytes` in `chunk`-sized writes (each awaited), timed to the DONE. */
export function directBulk(port: number, suite: string, bytes: number, chunk: Uint8Array): Promise<{ seconds: number; agreed: string | undefined }> {
  const configuration = benchClientConfiguration();
  let secureContext = suiteContexts.get(suite);
  if (!secureContext) {
    // node:tls takes TLS 1.3 suite names in `ciphers`; keep its TLS 1.2 defaults beside them.
    const tls12 = tls.DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_'));
    secureContext = tls.createSecureContext({ ca: pemText(configuration.ca), ciphers: [suite, ...tls12].join(':') });
    suiteContexts.set(suite, secureContext);
  }
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: configuration.servername, secureContext });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const agreed = socket.getCipher()?.standardName;
      const header = Buffer.alloc(8);
      header.writeBigUInt64BE(BigInt(bytes));
      const start = performance.now();
      let answer = '';
      socket.on('data', (data: Buffer) => {
        answer += data.toString('latin1');
        if (answer === 'DONE') {
          const seconds = (performance.now() - start) / 1000;
          socket.end();
          resolve({ seconds, agreed });
        }
      });
      const write = (piece: Uint8Array): Promise<void> =>
        new Promise((done, failed) => socket.write(piece, (error) => (error ? failed(error) : done())));
      void (async () => {
        await write(header);
        for (let left = bytes; left > 0; left -= chunk.length) await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
      })().catch(reject);
    });
  });
}
