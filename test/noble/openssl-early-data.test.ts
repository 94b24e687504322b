/**
 * A real client offering 0-RTT with a ticket from another server (RFC 8446 section
 * 4.2.10): `openssl s_client -sess_in -early_data` with a session from `openssl s_server
 * -early_data` connects to our noble server, which does not accept that PSK. The server
 * must skip the early records it cannot decrypt, finish a 1-RTT handshake, and serve the
 * data sent after it; s_client reports "Early data was rejected".
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killPeer as kill, spawnPeer, waitUntil as waitFor } from '../peers.js';
import { startNobleServer } from './tcp-server.js';

const run = (args: string[]) => spawnPeer('openssl', args);

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;





test.serial('openssl s_client 0-RTT with a foreign ticket: the noble server skips the early data and serves 1-RTT (RFC 8446 section 4.2.10)', async (t) => {
  if (!opensslAvailable) return t.fail('openssl CLI not found: install openssl to run the interop tests');
  const dir = mkdtempSync(join(tmpdir(), 'tlsservice-0rtt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const session = join(dir, 'session.pem');

  // 1. A session with max_early_data from openssl s_server.
  const port = await freePort();
  const origin = run(['s_server', '-tls1_3', '-early_data', '-accept', String(port), '-naccept', '1', '-cert', `${fixtures}ecdsa.pem`, '-key', `${fixtures}ecdsa-key.pem`]);
  t.teardown(() => kill(origin.child));
  await waitFor(() => /ACCEPT/.test(origin.output()), origin.output);
  const first = run(['s_client', '-tls1_3', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-sess_out', session]);
  t.teardown(() => kill(first.child));
  first.child.stdin!.write('hello\n');
  // s_client writes the session file when the ticket arrives (its stdout is block-buffered in a pipe).
  await waitFor(() => existsSync(session) && /END SSL SESSION PARAMETERS/.test(readFileSync(session, 'utf8')), first.output);
  kill(first.child);
  const details = spawnSync('openssl', ['sess_id', '-in', session, '-noout', '-text'], { encoding: 'utf8' }).stdout;
  t.regex(details, /Max Early Data: 16384/);

  // 2. The same session offered, with early data, to our server.
  const received: string[] = [];
  const server = await startNobleServer(
    { cert: readFileSync(`${fixtures}ecdsa.pem`, 'utf8'), key: readFileSync(`${fixtures}ecdsa-key.pem`, 'utf8') },
    {
      answer: (data) => {
        received.push(data);
        return data.toUpperCase();
      },
    },
  );
  const errors = server.errors;
  t.teardown(server.close);
  const early = join(dir, 'early.txt');
  writeFileSync(early, 'early bytes that must be skipped\n');
  const ours = server.port;
  const client = run(['s_client', '-tls1_3', '-connect', `127.0.0.1:${ours}`, '-servername', 'localhost', '-sess_in', session, '-early_data', early, '-ign_eof']);
  t.teardown(() => kill(client.child));
  client.child.stdin!.end('after the handshake\n');
  await waitFor(() => client.child.exitCode !== null, client.output, 15000);
  const output = client.output();
  t.deepEqual(errors, []);
  t.regex(output, /Early data was rejected/);
  t.regex(output, /AFTER THE HANDSHAKE/);
  t.deepEqual(received, ['after the handshake\n']);
});
