/**
 * `tlsservice client <host:port>`: connects with the chosen backend, prints the
 * negotiated parameters and the peer's chain, then relays stdin to the server and the
 * server's bytes to stdout. Like `openssl s_client`.
 */
import type { ClientConfiguration } from '../configuration.js';
import { serviceFrom } from '../di/container.js';
import { Connection } from '../connection.js';
import { connectTCP } from '../raw/tcp.js';
import { CountingRawConnection } from '../raw/counting.js';
import type { RawConnection } from '../raw-connection.js';
import { clientOptions, hostAndPort, parse, usage } from './args.js';
import { commonConfiguration, containerFor } from './backend.js';
import { describeChain, describeParameters } from './describe.js';
import { clientResumption, saveSessions } from './resumption.js';

/** Runs `tlsservice client ...`; resolves with the exit code when the connection ends. */
export async function runClient(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, clientOptions);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const { host, port } = hostAndPort(positionals[0]);
  const configuration: ClientConfiguration = { ...commonConfiguration(values) };
  // The name the certificate is checked against; backends leave an IP literal out of SNI.
  const servername = values.servername ?? host;
  if (servername) configuration.servername = servername;
  if (values.insecure) configuration.rejectUnauthorized = false;
  Object.assign(configuration, clientResumption(values));
  const container = containerFor(values, { client: configuration });

  const tcp = await connectTCP({ host, port });
  const raw: RawConnection = values.trace ? new CountingRawConnection(tcp) : tcp;
  try {
    const connection = await Connection.toServer(raw, { service: serviceFrom(container), ...configuration });
    saveSessions(values['sess-out'], connection.sessions);
    console.error(['connected', ...describeParameters(connection.negotiated), ...describeChain(connection.negotiated.peerCertificates)].join('\n'));
    console.error('---');
    const lastReceived = { at: Date.now() };
    await Promise.all([relayStdin(connection, lastReceived), relayToStdout(connection, lastReceived)]);
    return 0;
  } finally {
    if (raw instanceof CountingRawConnection) console.error(raw.trace('client').join('\n'));
  }
}

/** How long the client lingers after stdin ends, for replies still in flight. */
const LINGER_MS = 300;

async function relayStdin(connection: Connection, lastReceived: { at: number }): Promise<void> {
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    if (connection.hasClosed) return;
    await connection.sendBytes(chunk);
  }
  // End of input: like `s_client -ign_eof` for a moment, so the reply to the last line
  // still reaches stdout, then send close_notify once the peer has gone quiet.
  while (!connection.hasClosed && Date.now() - lastReceived.at < LINGER_MS) {
    await new Promise((resolve) => setTimeout(resolve, LINGER_MS / 3));
  }
  if (!connection.hasClosed) await connection.close();
}

async function relayToStdout(connection: Connection, lastReceived: { at: number }): Promise<void> {
  try {
    for (;;) {
      const bytes = await connection.receiveBytes(64 * 1024);
      lastReceived.at = Date.now();
      if (bytes.length === 0) break;
      if (!process.stdout.write(bytes)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
  } catch (error) {
    if (!connection.hasClosed) throw error;
  } finally {
    process.stdin.destroy();
  }
}
