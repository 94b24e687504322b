/**
 * `tlsservice server`: accepts TCP connections, negotiates with the chosen backend and
 * echoes what each client sends (or, with `--www`, answers HTTP with the negotiated
 * parameters). Like `openssl s_server`.
 */
import type { ServerConfiguration } from '../configuration.js';
import { ConfigurationError } from '../errors.js';
import { serviceFrom } from '../di/container.js';
import { Connection } from '../connection.js';
import { Listener } from '../listener.js';
import { CountingRawConnection } from '../raw/counting.js';
import type { RawConnection } from '../raw-connection.js';
import { serverOptions, parse, usage } from './args.js';
import { commonConfiguration, containerFor } from './backend.js';
import { describeParameters } from './describe.js';
import { serverResumption } from './resumption.js';
import { isWorker, keysFromPrimary, leaveCluster, reportListening, runPrimary, workerCount } from './workers.js';

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
  if (values['handshake-timeout'] !== undefined) configuration.handshakeTimeout = milliseconds('handshake-timeout', values['handshake-timeout']);
  if (values.backend !== 'plaintext' && (!configuration.cert || !configuration.key)) {
    throw new ConfigurationError('a TLS server needs --cert and --key');
  }
  const workers = workerCount(values.workers);
  if (workers !== undefined && !isWorker()) return runPrimary(workers, values['ticket-keys'] !== undefined);
  const sharedKeys = isWorker() ? await keysFromPrimary() : undefined;
  Object.assign(configuration, await serverResumption(values, sharedKeys));
  if (values.www) {
    const { serveWWW } = await import('./www-http.js');
    return serveWWW(values, configuration, { host: values.host!, port });
  }
  const container = containerFor(values, { server: configuration });
  const listener = await Listener.listen({
    host: values.host!,
    port,
    createService: () => serviceFrom(container),
    configuration,
    ...(values.trace ? { wrapRaw: (raw: RawConnection) => new CountingRawConnection(raw) } : {}),
    onConnection: (connection) => void echo(connection),
    onError: (error, peer) => console.error(`[${peer ?? 'peer'}] ${error.name}: ${error.message}`),
  });
  const address = listener.address();
  reportListening(`listening on ${address.address}:${address.port} (backend ${values.backend})`);
  await closeOnSignal(() => listener.close());
  leaveCluster();
  return 0;
}

/** A positive whole number of milliseconds from an option, or a ConfigurationError naming it. */
function milliseconds(option: string, value: string): number {
  const ms = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(ms) || ms < 1) throw new ConfigurationError(`bad --${option} ${value}: expected milliseconds (a positive integer)`);
  return ms;
}

/** Echoes one negotiated connection until the peer closes, then prints its IO trace when counted. */
async function echo(connection: Connection): Promise<void> {
  const raw = connection.rawConnection;
  const peer = raw.remoteAddress ?? 'peer';
  const by = isWorker() ? ` by worker ${process.pid}` : '';
  console.log(`[${peer}] accepted${by}\n  ${describeParameters(connection.negotiated).join('\n  ')}`);
  try {
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
    if (raw instanceof CountingRawConnection) console.log(raw.trace(`server ${peer}`).join('\n'));
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
