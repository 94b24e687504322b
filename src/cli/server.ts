/**
 * `tlsservice server`: accepts TCP connections, negotiates with the chosen backend and
 * echoes what each client sends (or, with `--www`, answers HTTP with the negotiated
 * parameters). Like `openssl s_server`.
 */
import net from 'node:net';
import type { ServerConfiguration } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { serviceFrom } from '../di/container.js';
import { Connection } from '../connection.js';
import { TCPRawConnection } from '../raw/tcp.js';
import { CountingRawConnection } from '../raw/counting.js';
import type { RawConnection } from '../raw-connection.js';
import { serverOptions, parse, usage } from './args.js';
import { commonConfiguration, containerFor } from './backend.js';
import { describeParameters } from './describe.js';

/** Runs `tlsservice server ...`; resolves when the server is closed (SIGINT/SIGTERM). */
export async function runServer(argv: string[]): Promise<number> {
  const { values } = parse(argv, serverOptions);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigurationError(`bad --port ${values.port}`);
  const configuration: ServerConfiguration = { ...commonConfiguration(values) };
  if (values['request-cert']) configuration.requestCert = true;
  if (values.backend !== 'plaintext' && (!configuration.cert || !configuration.key)) {
    throw new ConfigurationError('a TLS server needs --cert and --key');
  }
  if (values.www) {
    const { serveWWW } = await import('./www-http.js');
    return serveWWW(values, configuration, { host: values.host!, port });
  }
  const container = containerFor(values, { server: configuration });

  const server = net.createServer((socket) => {
    const tcp = TCPRawConnection.fromSocket(socket);
    const raw: RawConnection = values.trace ? new CountingRawConnection(tcp) : tcp;
    void echo(raw, configuration, serviceFrom(container), values.trace === true);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, values.host, resolve);
  });
  const address = server.address() as net.AddressInfo;
  console.log(`listening on ${address.address}:${address.port} (backend ${values.backend})`);
  await closeOnSignal(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return 0;
}

async function echo(
  raw: RawConnection,
  configuration: ServerConfiguration,
  service: import('../tls-service.js').TLSService,
  trace: boolean,
): Promise<void> {
  const peer = raw.remoteAddress ?? 'peer';
  try {
    const connection = await Connection.fromClient(raw, { service, ...configuration });
    console.log(`[${peer}] accepted\n  ${describeParameters(connection.negotiated).join('\n  ')}`);
    for (;;) {
      const bytes = await connection.receiveBytes(64 * 1024);
      if (bytes.length === 0) break;
      await connection.sendBytes(bytes);
    }
    await connection.close();
    console.log(`[${peer}] closed`);
  } catch (error) {
    console.error(`[${peer}] ${(error as Error).name}: ${(error as Error).message}`);
    raw.destroy?.();
  } finally {
    if (trace && raw instanceof CountingRawConnection) console.log(raw.trace(`server ${peer}`).join('\n'));
  }
}

/** Resolves after SIGINT or SIGTERM once `stop` has finished. */
export function closeOnSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const handler = () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      void stop().then(resolve);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
