/**
 * Shared setup for the HTTP plug-in tests: a container per backend with the test PKI,
 * servers that close themselves, node:https peers, and child processes (curl, examples)
 * that are always killed.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Container } from 'inversify';
import { createContainer, type BackendName } from '../../src/di/container.js';
import { createServer, type TLSServiceServer, type TLSServiceServerOptions } from '../../src/http/index.js';
import { localhostECDSA, testCA } from '../fixtures/certs.js';

/** True for backends that encrypt; the plaintext baseline speaks http://. */
export function encrypts(backend: string): boolean {
  return backend !== 'plaintext';
}

/** `https` or `http`, whichever the backend speaks. */
export function schemeOf(backend: string): 'https' | 'http' {
  return encrypts(backend) ? 'https' : 'http';
}

/** A container for `backend` trusting the test CA and serving the localhost certificate. */
export function testContainer(backend: BackendName): Container {
  return createContainer(backend, {
    client: { ca: testCA },
    server: { cert: localhostECDSA.cert, key: localhostECDSA.key },
  });
}

/** A listening TLSServiceServer and its port. */
export interface RunningServer {
  readonly server: TLSServiceServer;
  readonly port: number;
  readonly url: string;
  /** Closes the server and waits for 'close' (also drops lingering connections after 2 s). */
  close(): Promise<void>;
}

/** Starts our server on `backend` at 127.0.0.1 with an ephemeral port. */
export async function startServer(
  backend: BackendName,
  handler: http.RequestListener,
  options: Partial<TLSServiceServerOptions> = {},
): Promise<RunningServer> {
  const server = createServer({ container: testContainer(backend), ...options }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    url: `${schemeOf(backend)}://localhost:${port}`,
    close: () => closeServer(server),
  };
}

/** Closes any node server, destroying connections that linger past `graceMs`. */
export function closeServer(server: http.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** A node:https server (node:http for the plaintext backend) on 127.0.0.1: the reference peer. */
export async function startNodeServer(backend: string, handler: http.RequestListener): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const server = encrypts(backend)
    ? https.createServer({ cert: localhostECDSA.cert, key: localhostECDSA.key }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, url: `${schemeOf(backend)}://localhost:${port}`, close: () => closeServer(server) };
}

/** Reads a whole response body as text. */
export function bodyText(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** What a finished child process printed. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`); a missing binary rejects with `install <name>`. */
export function run(command: string, args: readonly string[], timeoutMs = 15_000): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new Error(`install ${command}`) : error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The path of the test CA file, for command-line clients. */
export const testCAFile = new URL('../../../test/fixtures/certs/ca.pem', import.meta.url).pathname;
