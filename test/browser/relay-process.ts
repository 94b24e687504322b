/** Runs `tlsservice relay` (the CLI, as a user would) for the browser tests and reads its ports. */
import { spawn } from 'node:child_process';
import { ROOT } from './pages.js';

/** A running relay process. */
export interface RelayProcess {
  /** ws://127.0.0.1:<port> */
  readonly url: string;
  /** The exposed TCP port (expose mode). */
  readonly exposedPort: number | undefined;
  /** Everything it printed. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `tlsservice relay --listen 0 ...args` and waits for its "listening" line. */
export function startRelayProcess(args: string[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, [`${ROOT}dist/src/cli/main.js`, 'relay', '--listen', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`relay did not start: ${output}`))), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /relay listening on (ws:\/\/[\d.]+:\d+)(?:\/listen, exposing tcp [\d.]+:(\d+))?/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ url: match[1]!, exposedPort: match[2] ? Number(match[2]) : undefined, output: () => output, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${output}`)));
  });
}
