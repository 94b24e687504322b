/**
 * What the noble service sends outside a flight once the handshake is done: KeyUpdate
 * answers (RFC 8446 section 4.6.3) and the server's NewSessionTickets (section 4.6.1)
 * leave with an application write of the same turn, else on their own at the end of
 * the turn; never held until some later write that may never come.
 */
import test from 'ava';
import { memoryPair } from '../../src/raw/memory.js';
import { CountingRawConnection } from '../../src/raw/counting.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { caPem, serverIdentity } from './fixtures.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** One protected KeyUpdate record: 5-byte header + KeyUpdate (4 + 1) + content type (1) + AEAD tag (16). */
const KEY_UPDATE_RECORD_LENGTH = 27;

async function established() {
  const [a, b] = memoryPair();
  const clientRaw = new CountingRawConnection(a);
  const serverRaw = new CountingRawConnection(b);
  const client = new NobleTLSService();
  const server = new NobleTLSService();
  await Promise.all([
    client.negotiateAsClient(clientRaw, { ca: caPem, servername: 'localhost' }),
    server.negotiateAsServer(serverRaw, serverIdentity('ecdsa')),
  ]);
  // One exchange, so the Finished and the tickets are behind us.
  await client.sendBytes(encoder.encode('hello'));
  decoder.decode(await server.receiveBytes(100));
  await server.sendBytes(encoder.encode('hi'));
  decoder.decode(await client.receiveBytes(100));
  return { client, server, clientRaw, serverRaw };
}

/** Resolves once `condition` holds (polling); rejects after `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a KeyUpdate request is answered although we never write (RFC 8446 section 4.6.3)', async (t) => {
  const { client, server, serverRaw } = await established();
  const before = serverRaw.writes.length;
  const serverRead = server.receiveBytes(100); // the server reads, but has nothing to say
  await client.updateKeys(true);
  const clientRead = client.receiveBytes(100);
  await until(() => serverRaw.writes.length > before, 5_000, 'the answer leaves on its own');
  t.is(serverRaw.writes[before]!.length, KEY_UPDATE_RECORD_LENGTH, 'one KeyUpdate record');
  // Both ends switched keys in step: data still flows both ways.
  await server.sendBytes(encoder.encode('after'));
  t.is(decoder.decode(await clientRead), 'after');
  await client.sendBytes(encoder.encode('and back'));
  t.is(decoder.decode(await serverRead), 'and back');
  await client.close();
  await server.close();
});

test('several KeyUpdate requests read in one turn are answered by one KeyUpdate', async (t) => {
  const { client, server, serverRaw } = await established();
  const before = serverRaw.writes.length;
  const serverRead = server.receiveBytes(100);
  await client.updateKeys(true);
  await client.updateKeys(true);
  await client.updateKeys(true);
  const clientRead = client.receiveBytes(100);
  await until(() => serverRaw.writes.length > before, 5_000, 'the answer');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(serverRaw.writes.slice(before).map((w) => w.length), [KEY_UPDATE_RECORD_LENGTH]);
  await server.sendBytes(encoder.encode('in step'));
  t.is(decoder.decode(await clientRead), 'in step');
  await client.sendBytes(encoder.encode('ok'));
  t.is(decoder.decode(await serverRead), 'ok');
  await client.close();
  await server.close();
});

test('a KeyUpdate answer leaves with an application write of the same turn: one write', async (t) => {
  const { client, server, serverRaw } = await established();
  const before = serverRaw.writes.length;
  await client.updateKeys(true);
  await client.sendBytes(encoder.encode('question'));
  // The request and the question arrive in one turn; the reply is written in that turn too.
  t.is(decoder.decode(await server.receiveBytes(100)), 'question');
  await server.sendBytes(encoder.encode('answer'));
  t.is(decoder.decode(await client.receiveBytes(100)), 'answer');
  t.is(serverRaw.writes.length, before + 1, 'the KeyUpdate answer and the reply in one write');
  await client.close();
  await server.close();
});

test("the server's tickets reach a client that only reads, with no server write (RFC 8446 section 4.6.1)", async (t) => {
  const [a, b] = memoryPair();
  const client = new NobleTLSService();
  const server = new NobleTLSService();
  await Promise.all([
    client.negotiateAsClient(a, { ca: caPem, servername: 'localhost' }),
    server.negotiateAsServer(b, serverIdentity('ecdsa')),
  ]);
  const clientRead = client.receiveBytes(100);
  await until(() => client.tickets.length > 0, 5_000, 'the tickets leave on their own');
  t.true(client.tickets.length >= 1);
  await server.close();
  t.is((await clientRead).length, 0);
  await client.close();
});
