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
  'ticket-keys': { type: 'string' },
  'early-data': { type: 'string' },
  'anti-replay': { type: 'string' },
  workers: { type: 'string' },
} as const;

/** `tlsservice client` options. */
export const clientOptions = {
  ...common,
  servername: { type: 'string' },
  insecure: { type: 'boolean', short: 'k', default: false },
  'sess-in': { type: 'string' },
  'sess-out': { type: 'string' },
  'early-data': { type: 'string' },
} as const;

/** `tlsservice ticket-keys` options. */
export const ticketKeyOptions = {
  out: { type: 'string' },
  'encrypt-lifetime': { type: 'string' },
  'decrypt-lifetime': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
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

Usage: tlsservice <server|client|bench> [options]   (tlsservice <command> --help; tlsservice --version)

  tlsservice server --backend <name> --port <p> [--host 127.0.0.1] --cert <pem> --key <pem>
                    [--alpn h2,http/1.1] [--www] [--ca <pem> --request-cert] [--trace]
                    [--handshake-timeout <ms>]
                    [--ticket-keys <file>] [--early-data <bytes>] [--anti-replay redis://host:port]
                    [--workers <n>]
  tlsservice client <host:port> --backend <name> [--servername <n>] [--ca <pem>] [--alpn ...]
                    [--cert <pem> --key <pem>] [--insecure] [--trace]
                    [--sess-in <file>] [--sess-out <file>] [--early-data <file>]
  tlsservice ticket-keys --out <file> [--encrypt-lifetime <s>] [--decrypt-lifetime <s>]
  tlsservice bench [--quick] [--only io,rate,bulk,memory,crypto,hostile,resumption] [--out <file.json>]
  tlsservice relay --listen <port> (--to <host:port> | --expose <tcp-port>)   WebSocket <-> TCP, see docs/browser.md

Common: --ciphersuites TLS_AES_128_GCM_SHA256,...  --groups X25519,P-256,...
        --min-version / --max-version TLSv1.2|TLSv1.3 (default TLSv1.2 to TLSv1.3)
Backends: node-tls, noble, plaintext. With noble: --crypto noble|node.
server echoes what it receives; with --www it answers HTTP requests with a page of the
negotiated parameters; --handshake-timeout drops a client whose handshake takes longer
(default 30000 ms). client prints the negotiated parameters and the peer's chain, then
relays stdin to the server and the server's bytes to stdout; at the end of stdin it sends
close_notify and reads on. It exits 0 when the server ends with close_notify (even while
stdin is open) and 1 with a "truncated" message when the server ends without it.
--trace prints every IO call of the raw connection on exit.
Resumption: --ticket-keys loads (and watches) a key file shared by a fleet (JSON from
\`tlsservice ticket-keys --out\`, which adds a key to an existing file to rotate it, or
48 raw bytes, node:tls's form); --workers forks that many processes with node:cluster,
all sharing one ticket key ring. --early-data on the server accepts that many bytes of
0-RTT (noble); on the client it sends a file as 0-RTT data. --sess-out / --sess-in save
and reuse a session, as openssl s_client.`;

/** `tlsservice server --help`. */
const serverUsage = `Usage: tlsservice server --cert <pem> --key <pem> [options]

Accepts TLS connections and echoes what each client sends (like openssl s_server).
  --backend <name>       node-tls (default), noble or plaintext
  --crypto noble|node    noble's crypto provider
  --port <p>             port to listen on (default 4433; 0 picks one)
  --host <addr>          address to bind (default 127.0.0.1)
  --cert <file>          certificate chain (PEM), leaf first
  --key <file>           private key (PEM)
  --ca <file>            trust anchors for client certificates
  --request-cert         ask for (and require) a client certificate
  --alpn <list>          ALPN protocols, e.g. h2,http/1.1
  --ciphersuites <list>  TLS 1.3 suites, e.g. TLS_AES_128_GCM_SHA256
  --groups <list>        key-exchange groups, e.g. X25519,P-256
  --www                  answer HTTP/1.1 and h2 with a page of the negotiated parameters
  --trace                print every IO call of each connection
  --handshake-timeout <ms>  drop a client whose handshake takes longer (default 30000)
  --ticket-keys <file>   ticket key file shared by a fleet (see tlsservice ticket-keys)
  --early-data <bytes>   accept that many bytes of 0-RTT data (noble)
  --anti-replay <url>    0-RTT anti-replay store, e.g. redis://127.0.0.1:6379
  --workers <n>          fork n processes (node:cluster) sharing one ticket key ring
SSLKEYLOGFILE=<file>     append TLS secrets for Wireshark (created with mode 0600)`;

/** `tlsservice client --help`. */
const clientUsage = `Usage: tlsservice client <host:port> [options]

Connects, prints the negotiated parameters and the server's chain, then relays stdin to
the server and its bytes to stdout (like openssl s_client).
  --backend <name>       node-tls (default), noble or plaintext
  --crypto noble|node    noble's crypto provider
  --servername <name>    SNI and the name the certificate must match (default: the host)
  --ca <file>            trust anchors (default: Node's bundled roots)
  --cert <file> --key <file>  a client certificate
  --alpn <list>          ALPN protocols, e.g. h2,http/1.1
  --ciphersuites <list>  TLS 1.3 suites
  --groups <list>        key-exchange groups
  -k, --insecure         do not verify the server's certificate (prints a warning)
  --trace                print every IO call on exit
  --sess-out <file> / --sess-in <file>  save / resume a session, as openssl s_client
  --early-data <file>    send a file as 0-RTT data when the session allows it
SSLKEYLOGFILE=<file>     append TLS secrets for Wireshark (created with mode 0600)`;

/** `tlsservice bench --help`. */
const benchUsage = `Usage: tlsservice bench [--quick] [--only io,rate,bulk,memory,crypto,hostile,resumption] [--out <file.json>]

Runs the benchmarks (from a checkout of tlsservice: they use its test PKI and write
bench/results and docs/benchmarks.md). --quick takes under a minute.`;

/** The help text of one command, or the overview for anything else. */
export function commandUsage(command: string | undefined): string {
  switch (command) {
    case 'server':
      return serverUsage;
    case 'client':
      return clientUsage;
    case 'bench':
      return benchUsage;
    default:
      return usage;
  }
}
