#!/usr/bin/env node
/**
 * The `tlsservice` command, in the spirit of `openssl s_server` / `s_client`:
 * `server` echoes (or serves HTTP with `--www`), `client` relays stdin/stdout,
 * `bench` runs the benchmarks. Backends are chosen by name through the DI container.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TLSServiceError } from '../errors.js';
import { usage } from './args.js';
import { runServer } from './server.js';
import { runClient } from './client.js';

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'server':
        return await runServer(rest);
      case 'client':
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
        console.error(`unknown command "${command}"\n\n${usage}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof TLSServiceError) {
      console.error(`tlsservice: ${error.name}: ${error.message}`);
      return 1;
    }
    throw error;
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
