/**
 * `tlsservice client <host:port>`: connects with the chosen backend, prints the
 * negotiated parameters and the peer's chain, then relays stdin to the server and the
 * server's bytes to stdout until the server ends its direction. Like `openssl s_client`:
 * exit 0 after the server's close_notify, 1 when the stream was truncated.
 */
import type { ClientConfiguration } from '../configuration.js';
import { TruncationError } from '../errors.js';
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
    try {
      return await relay(connection);
    } finally {
      tcp.destroy(); // both close_notify are through (or the stream was cut): nothing more to wait for
    }
  } finally {
    // A failed handshake is left to the service: after its alert the connection lingers briefly.
    if (raw instanceof CountingRawConnection) console.error(raw.trace('client').join('\n'));
  }
}

/**
 * Relays stdin to the server and the server's bytes to stdout until the server ends its
 * direction, like `openssl s_client`: at the end of stdin we send close_notify and keep
 * reading (RFC 8446 section 6.1 half-close). The server's close_notify ends the session
 * (exit 0) even while stdin is open; an end without it is a truncation (exit 1).
 */
async function relay(connection: Connection): Promise<number> {
  let serverEnded = false;
  const input = relayStdin(connection, () => serverEnded);
  input.catch(() => undefined); // a failure to send shows up as the read's failure
  try {
    await relayToStdout(connection);
    return 0;
  } catch (error) {
    if (error instanceof TruncationError) {
      console.error('tlsservice: connection truncated: the server ended the stream without close_notify');
      return 1;
    }
    throw error;
  } finally {
    serverEnded = true;
    process.stdin.destroy();
    await connection.close().catch(() => undefined);
  }
}

/** Sends each stdin chunk; at the end of stdin, shuts our write side (close_notify). */
async function relayStdin(connection: Connection, serverEnded: () => boolean): Promise<void> {
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    if (serverEnded()) return;
    await connection.sendBytes(chunk);
  }
  if (!serverEnded()) await connection.shutdownWrite();
}

/** Copies the server's bytes to stdout until its close_notify; rejects with TruncationError without one. */
async function relayToStdout(connection: Connection): Promise<void> {
  for (;;) {
    const bytes = await connection.receiveBytes(64 * 1024);
    if (bytes.length === 0) return;
    if (!process.stdout.write(bytes)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}
