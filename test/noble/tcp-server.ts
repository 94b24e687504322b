/**
 * The noble server the interop tests point real peers at: a TCP listener on 127.0.0.1
 * whose every connection negotiates with one configuration, answers what it reads, and
 * closes with close_notify. Errors are collected, never thrown, so a test asserts them.
 */
import { once } from 'node:events';
import net from 'node:net';
import { NobleTLSService } from '../../adapters/noble/service.js';
import type { ServerConfiguration } from '../../src/configuration.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { TCPRawConnection } from '../../src/raw/tcp.js';

/** How the server treats each connection. */
export interface NobleTestServerOptions {
  /** The crypto provider (default: the service's default). */
  readonly provider?: CryptoProvider;
  /** Called once the handshake is done, before the first read (to record what was agreed). */
  readonly onNegotiated?: (service: NobleTLSService) => void;
  /** The reply to what was read (default: upper-cased). */
  readonly answer?: (received: string, service: NobleTLSService) => string;
  /** Keep answering every read until the client closes (default: one read, then close). */
  readonly untilEnd?: boolean;
  /** Called when a connection fails (after the error is recorded). */
  readonly onError?: (error: unknown) => void;
}

/** A running test server. */
export interface NobleTestServer {
  readonly port: number;
  /** Every connection's error, in order. */
  readonly errors: unknown[];
  /** Every connection's service, in order of arrival. */
  readonly services: NobleTLSService[];
  close(): void;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Starts a noble server on 127.0.0.1 (a free port) with `configuration`. */
export async function startNobleServer(configuration: ServerConfiguration, options: NobleTestServerOptions = {}): Promise<NobleTestServer> {
  const errors: unknown[] = [];
  const services: NobleTLSService[] = [];
  const answer = options.answer ?? ((received: string) => received.toUpperCase());
  const listener = net.createServer(async (socket) => {
    const service = new NobleTLSService(options.provider ? { provider: options.provider } : undefined);
    services.push(service);
    try {
      await service.negotiateAsServer(TCPRawConnection.fromSocket(socket), configuration);
      options.onNegotiated?.(service);
      do {
        const data = await service.receiveBytes(65_536);
        if (data.length === 0) break;
        await service.sendBytes(encoder.encode(answer(decoder.decode(data), service)));
      } while (options.untilEnd);
      await service.close();
    } catch (error) {
      errors.push(error);
      options.onError?.(error);
      socket.destroy();
    }
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return { port: (listener.address() as net.AddressInfo).port, errors, services, close: () => listener.close() };
}
