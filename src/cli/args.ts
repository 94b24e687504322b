/**
 * Command-line parsing for `tlsservice`, on node:util's parseArgs: the sub-command and
 * its options, with errors a user can act on.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigurationError } from '../errors.js';

/** Options shared by `server` and `client`. */
const common = {
  backend: { type: 'string', default: 'node-tls' },
  crypto: { type: 'string' },
  alpn: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  ciphersuites: { type: 'string' },
  groups: { type: 'string' },
  'min-version': { type: 'string' },
  'max-version': { type: 'string' },
  trace: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** `tlsservice server` options. */
export const serverOptions = {
  ...common,
  port: { type: 'string', default: '4433' },
  host: { type: 'string', default: '127.0.0.1' },
  www: { type: 'boolean', default: false },
  'request-cert': { type: 'boolean', default: false },
  'handshake-timeout': { type: 'string' },
} as const;

/** `tlsservice client` options. */
export const clientOptions = {
  ...common,
  servername: { type: 'string' },
  insecure: { type: 'boolean', short: 'k', default: false },
} as const;

/** `tlsservice bench` options. */
export const benchOptions = {
  quick: { type: 'boolean', default: false },
  only: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Parses `argv` against an option table; unknown options are a ConfigurationError. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new ConfigurationError((error as Error).message);
  }
}

/** Splits a comma-separated option value into a list (undefined stays undefined). */
export function list(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parses `host:port` (IPv6 in brackets) for the client. */
export function hostAndPort(target: string | undefined): { host: string; port: number } {
  if (!target) throw new ConfigurationError('client needs a target, e.g. `tlsservice client localhost:4433`');
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
  if (!match) throw new ConfigurationError(`bad target "${target}": expected host:port`);
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new ConfigurationError(`bad port ${match[3]}`);
  return { host: (match[1] ?? match[2])!, port };
}

/** The usage text. */
export const usage = `tlsservice — a protocol-oriented TLS layer with swappable backends

Usage:
  tlsservice server --backend <name> --port <p> [--host 127.0.0.1] --cert <pem> --key <pem>
                    [--alpn h2,http/1.1] [--www] [--ca <pem> --request-cert] [--trace]
                    [--handshake-timeout <ms>]
  tlsservice client <host:port> --backend <name> [--servername <n>] [--ca <pem>] [--alpn ...]
                    [--cert <pem> --key <pem>] [--insecure] [--trace]
  tlsservice bench [--quick] [--only io,rate,bulk,memory,crypto] [--out <file.json>]

Common: --ciphersuites TLS_AES_128_GCM_SHA256,...  --groups X25519,P-256,...
        --min-version / --max-version TLSv1.2|TLSv1.3 (default TLSv1.2 to TLSv1.3)
Backends: node-tls, noble, plaintext. With noble: --crypto noble|node.
server echoes what it receives; with --www it answers HTTP requests with a page of the
negotiated parameters; --handshake-timeout drops a client whose handshake takes longer
(default 30000 ms). client prints the negotiated parameters and the peer's chain, then
relays stdin to the server and the server's bytes to stdout; at the end of stdin it sends
close_notify and reads on. It exits 0 when the server ends with close_notify (even while
stdin is open) and 1 with a "truncated" message when the server ends without it.
--trace prints every IO call of the raw connection on exit.`;
