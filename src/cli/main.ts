#!/usr/bin/env node
/**
 * The `tlsservice` command, in the spirit of `openssl s_server` / `s_client`:
 * `server` echoes (or serves HTTP with `--www`), `client` relays stdin/stdout,
 * `bench` runs the benchmarks. Backends are chosen by name through the DI container.
 * `--version`, per-command `--help`, and every expected failure as one line on stderr
 * with exit code 1.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TLSServiceError } from '../errors.js';
import { commandUsage, usage } from './args.js';
import { runServer } from './server.js';
import { runClient } from './client.js';

/** The package version (package.json beside dist/). */
export function packageVersion(): string {
  const path = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** One line for an error a user can act on, or undefined for a bug (which keeps its stack). */
export function describeFailure(error: unknown): string | undefined {
  if (error instanceof TLSServiceError) return `${error.name}: ${error.message}`;
  const { code, message, address, port } = (error ?? {}) as { code?: unknown; message?: string; address?: string; port?: number };
  if (code === 'EADDRINUSE') return `${address ?? 'the address'}:${port ?? '?'} is already in use (EADDRINUSE): pick another --port or stop the other server`;
  if (code === 'EACCES') return `${message} (EACCES): ports below 1024 need privileges`;
  if (typeof code === 'string' && typeof message === 'string') return message;
  return undefined;
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(packageVersion());
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandUsage(command));
    return 0;
  }
  try {
    switch (command) {
      case 'server':
        return await runServer(rest);
      case 'client':
        if (rest.includes('--insecure') || rest.includes('-k')) {
          console.error("tlsservice: warning: --insecure: the server's certificate and name are not verified");
        }
        return await runClient(rest);
      case 'relay': {
        const { runRelay } = await import('../relay/command.js');
        return await runRelay(rest);
      }
      case 'ticket-keys': {
        const { runTicketKeys } = await import('./resumption.js');
        return runTicketKeys(rest);
      }
      case 'bench': {
        const { runBenchCommand } = await import('./bench.js');
        return await runBenchCommand(rest);
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(usage);
        return command === undefined ? 1 : 0;
      default:
        console.error(`tlsservice: unknown command "${command}" (server, client, bench; tlsservice --help)`);
        return 1;
    }
  } catch (error) {
    const line = describeFailure(error);
    if (line === undefined) throw error;
    console.error(`tlsservice: ${line}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
