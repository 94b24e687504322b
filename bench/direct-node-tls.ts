/**
 * A reference outside tlsservice for the connection-rate table: node:tls used directly
 * (`tls.createServer`, and `tls.connect` with one SecureContext per process, both created once),
 * running the same PING/PONG exchange, so the cost of our layer over OpenSSL is visible.
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
