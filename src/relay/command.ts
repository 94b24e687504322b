/**
 * `tlsservice relay`: the WebSocket <-> TCP relay on the command line.
 * `--listen <port> --to <host:port>` relays browser clients to a TCP server;
 * `--listen <port> --expose <tcp-port>` exposes a TLS server living in a browser.
 */
import { ConfigurationError } from '../errors.js';
import { hostAndPort, parse } from '../cli/args.js';
import { closeOnSignal } from '../cli/server.js';
import { RELAY_MAX_CONNECTIONS, startRelay, type RelayTarget } from './relay.js';
import { RELAY_IDLE_TIMEOUT_MS } from './pipe.js';

/** `tlsservice relay` options. */
export const relayOptions = {
  listen: { type: 'string' },
  to: { type: 'string' },
  expose: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  'max-connections': { type: 'string' },
  'idle-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The usage text of `tlsservice relay`. */
export const relayUsage = `Usage:
  tlsservice relay --listen <port> --to <host:port>      browser TLS clients -> a TCP server
  tlsservice relay --listen <port> --expose <tcp-port>   TCP clients -> a TLS server in a browser
Options: --host 127.0.0.1  --max-connections ${RELAY_MAX_CONNECTIONS}  --idle-timeout ${RELAY_IDLE_TIMEOUT_MS / 1000} (seconds)
In expose mode the browser opens ws://host:port/listen and, for each {"accept":"<id>"} it
receives there, a data WebSocket at ws://host:port/accept/<id>. The relay only moves bytes.`;

function port(value: string | undefined, option: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigurationError(`bad ${option} ${value ?? '(missing)'}`);
  return n;
}

function positive(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new ConfigurationError(`bad ${option} ${value}`);
  return n;
}

/** Runs `tlsservice relay ...`; resolves when stopped (SIGINT/SIGTERM). */
export async function runRelay(argv: string[]): Promise<number> {
  const { values } = parse(argv, relayOptions);
  if (values.help) {
    console.log(relayUsage);
    return 0;
  }
  if ((values.to === undefined) === (values.expose === undefined)) throw new ConfigurationError(`relay needs exactly one of --to and --expose\n\n${relayUsage}`);
  const target: RelayTarget = values.to !== undefined ? { to: hostAndPort(values.to) } : { expose: port(values.expose, '--expose') };
  const idle = positive(values['idle-timeout'], '--idle-timeout');
  const relay = await startRelay({
    listen: port(values.listen, '--listen'),
    host: values.host!,
    target,
    maxConnections: positive(values['max-connections'], '--max-connections'),
    idleTimeoutMs: idle === undefined ? undefined : idle * 1000,
    log: (line) => console.log(line),
  });
  const where = `ws://${values.host}:${relay.port}`;
  if ('to' in target) console.log(`relay listening on ${where} -> tcp ${target.to.host}:${target.to.port}`);
  else console.log(`relay listening on ${where}/listen, exposing tcp ${values.host}:${relay.exposedPort}`);
  await closeOnSignal(() => relay.close());
  return 0;
}
