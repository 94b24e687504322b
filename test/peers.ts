/**
 * Real peers as child processes for the interop tests (openssl, gnutls-cli/-serv, curl,
 * our CLI): spawn with output captured, wait for a line or a condition, kill, and pick a
 * free loopback port.
 */
import net from 'node:net';
import { once } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';

/** A spawned peer and everything it printed so far (stdout and stderr together). */
export interface Peer {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Spawns `command` with piped stdio and collects its output; a failure to start shows in the output, never as a throw. */
export function spawnPeer(command: string, args: readonly string[]): Peer {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('error', () => undefined);
  return { child, output: () => out };
}

/** Kills a peer that is still running. */
export function killPeer(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Resolves once `check()` holds; rejects with `describe()` after `ms`. */
export async function waitUntil(check: () => boolean, describe: () => string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once the peer's output matches `pattern`. */
export function waitForOutput(output: () => string, pattern: RegExp, ms = 10000): Promise<void> {
  return waitUntil(() => pattern.test(output()), () => `waiting for ${pattern}: ${output()}`, ms);
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once the peer has exited (at once if it already has); rejects naming `name` and its output after `ms`. */
export async function waitForExit(peer: Peer, name: string, ms = 10000): Promise<void> {
  const { child } = peer;
  if (child.exitCode !== null || child.signalCode !== null) return;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => resolve());
    timer = setTimeout(() => reject(new Error(`${name} did not exit: ${peer.output()}`)), ms);
  }).finally(() => clearTimeout(timer));
}

/** Reads from `connection` until a newline has arrived or the stream ended: the text so far (line-echoing peers answer this way). */
export async function receiveLine(connection: { receiveBytes(count: number): Promise<Uint8Array> }): Promise<string> {
  const decoder = new TextDecoder();
  let reply = '';
  while (!reply.includes('\n')) {
    const chunk = await connection.receiveBytes(1000);
    if (chunk.length === 0) break;
    reply += decoder.decode(chunk, { stream: true });
  }
  return reply;
}
