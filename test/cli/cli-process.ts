/**
 * The `tlsservice` command as a child process, for the CLI tests: where the built CLI and
 * the test certificates are, a server started and awaited until it listens, and a
 * command run to completion with its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI entry point (dist/src/cli/main.js). */
export const cli = join(here, '..', '..', 'src', 'cli', 'main.js');
/** The test PKI's PEM files (test/fixtures/certs). */
export const certs = join(here, '..', '..', '..', 'test', 'fixtures', 'certs');

/** Starts `tlsservice server` with the ECDSA localhost identity and `args`; resolves once it listens. `output()` is everything it printed. */
export async function startServer(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const identity = ['--cert', join(certs, 'localhost-ecdsa.pem'), '--key', join(certs, 'localhost-ecdsa.key.pem')];
  const child = spawn(process.execPath, [cli, 'server', '--port', '0', ...identity, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 20_000);
    const check = (): void => {
      const match = /listening on [^\s]+:(\d+)|serving --www on [^\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1] ?? match[2]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

/**
 * Runs a command with `input` on stdin; resolves with its exit code and output. With
 * `endInputWhen`, stdin stays open until stdout matches (a peer that quits at EOF).
 */
export async function run(command: string, args: string[], input = '', endInputWhen?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (endInputWhen?.test(stdout)) child.stdin.end();
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.on('error', (error) => (stderr += String(error)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  if (endInputWhen) child.stdin.write(input);
  else child.stdin.end(input);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
