/**
 * Session resumption in the contract suite (RFC 8446 section 2.2, RFC 5077 at TLS 1.2):
 * for every TLS pairing, a session the client got from a first connection resumes a second one on
 * both ends; a session from a server of another backend (or in another backend's
 * format) falls back to a full handshake, never an error.
 */
import test from 'ava';
import type { Connection } from '../src/connection.js';
import { connectedPair, within } from './harness.js';
import { isTls12, pairings, pairingTitle, type Backend, type Pairing } from './pairings.js';

const encoder = new TextEncoder();

/** A ping/pong on the pair (the tickets arrive before the pong), then the client's newest session. */
async function exchangeForSession(client: Connection, server: Connection, awaitTicket = true): Promise<Uint8Array | undefined> {
  const arrived = new Promise<void>((resolve) => client.sessions.onSession(() => resolve()));
  await client.sendBytes(encoder.encode('ping'));
  await server.receiveBytes(100);
  await server.sendBytes(encoder.encode('pong'));
  await client.receiveBytes(100);
  if (awaitTicket && !client.sessions.getSession()) await within(5000, arrived, 'a session ticket');
  const session = client.sessions.getSession();
  await client.close();
  await server.close();
  return session;
}

async function sessionFrom(pairing: Pairing): Promise<Uint8Array> {
  const { client, server } = await within(10_000, connectedPair(pairing), 'first handshake');
  const session = await exchangeForSession(client, server);
  if (!session) throw new Error('no session arrived');
  return session;
}

const family = (b: Backend) => b.backend ?? b.name;

for (const pairing of pairings.filter((p) => p.tls)) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;
  test(title(`a session from the first connection resumes the second on both ends${isTls12(pairing) ? ' (RFC 5077)' : ''}`), async (t) => {
    const session = await sessionFrom(pairing);
    const { client, server } = await within(10_000, connectedPair(pairing, { client: { session } }), 'resumed handshake');
    t.true(client.negotiated.resumed);
    t.true(server.negotiated.resumed);
    t.true(client.sessions.isSessionReused());
    // node:tls reports no peer certificate on a resumed TLS 1.3 connection; noble keeps the chain in the session.
    if (family(pairing.client) === 'noble') t.true(client.negotiated.peerCertificates.length >= 1, 'the server chain is still reported');
    // OpenSSL (through node:tls) does not renew a ticket it resumed; noble sends fresh TLS 1.3 tickets after every
    // handshake, and re-issues a TLS 1.2 ticket only when its key no longer encrypts (RFC 5077 section 3.3).
    const renews = family(pairing.server) === 'noble' && !isTls12(pairing);
    const next = await exchangeForSession(client, server, renews);
    if (renews) t.truthy(next, 'a resumed connection gets new tickets too');
  });
}

const nobleToNoble = pairings.find((p) => p.tls && p.client.name === 'noble' && p.server.name === 'noble')!;
const nodeToNode = pairings.find((p) => p.tls && p.client.name === 'node-tls' && p.server.name === 'node-tls')!;
const nobleToNode = pairings.find((p) => p.tls && p.client.name === 'noble' && p.server.name === 'node-tls')!;
const nodeToNoble = pairings.find((p) => p.tls && p.client.name === 'node-tls' && p.server.name === 'noble')!;

for (const [from, to] of [
  [nobleToNoble, nobleToNode],
  [nobleToNode, nobleToNoble],
  [nodeToNoble, nodeToNode],
  [nodeToNode, nodeToNoble],
] as const) {
  test(`a ${family(from.client)} client's session from a ${family(from.server)} server falls back to a full handshake on a ${family(to.server)} server`, async (t) => {
    const session = await sessionFrom(from);
    const { client, server } = await within(10_000, connectedPair(to, { client: { session } }), 'handshake');
    t.false(client.negotiated.resumed);
    t.false(server.negotiated.resumed);
    await client.close();
    await server.close();
  });
}

test("a session in another backend's format is ignored: a full handshake", async (t) => {
  const nobleSession = await sessionFrom(nobleToNoble);
  const nodeSession = await sessionFrom(nodeToNode);
  for (const [pairing, session] of [[nodeToNode, nobleSession], [nobleToNoble, nodeSession]] as const) {
    const { client, server } = await within(10_000, connectedPair(pairing, { client: { session } }), 'handshake');
    t.false(server.negotiated.resumed);
    await client.close();
    await server.close();
  }
});
