import test from 'ava';
import { clientEngineSettings, serverEngineSettings } from '../../adapters/noble/config.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { caPem, serverIdentity } from './fixtures.js';

test('per-connection copies of one server configuration share one settings object', (t) => {
  const base = { ...serverIdentity('ecdsa'), ticketKeys: new Uint8Array(48).fill(3), ALPNProtocols: ['h2', 'http/1.1'] };
  const first = serverEngineSettings({ ...base }, nobleCryptoProvider);
  t.is(serverEngineSettings({ ...base }, nobleCryptoProvider), first);
  // Equal content in new objects is the same configuration.
  t.is(serverEngineSettings({ ...base, ALPNProtocols: ['h2', 'http/1.1'], ticketKeys: new Uint8Array(48).fill(3) }, nobleCryptoProvider), first);
  // Another provider, another value: other settings.
  t.not(serverEngineSettings({ ...base }, nodeCryptoProvider), first);
  t.not(serverEngineSettings({ ...base, ALPNProtocols: ['h2'] }, nobleCryptoProvider), first);
});

test('a configuration buffer changed in place is a new configuration', (t) => {
  const ticketKeys = new Uint8Array(48).fill(5);
  const options = { ...serverIdentity('ecdsa'), ticketKeys };
  const first = serverEngineSettings(options, nobleCryptoProvider);
  ticketKeys[0] = 6;
  const second = serverEngineSettings(options, nobleCryptoProvider);
  t.not(second, first);
  t.not(second.ticketKeys, first.ticketKeys);
});

test('client settings are shared across sessions; the session itself is per connection', (t) => {
  const options = { ca: caPem, servername: 'localhost' };
  const first = clientEngineSettings({ ...options }, nobleCryptoProvider);
  t.is(clientEngineSettings({ ...options }, nobleCryptoProvider), first);
  const early = clientEngineSettings({ ...options, earlyData: Uint8Array.of(1) }, nobleCryptoProvider);
  t.deepEqual(early.earlyData, Uint8Array.of(1));
  t.is(early.verifyServer, first.verifyServer);
  t.is(first.earlyData, undefined);
});

test('a per-connection keylog hook reaches the settings without defeating the memo', (t) => {
  const base = { ...serverIdentity('ecdsa'), ticketKeys: new Uint8Array(48).fill(9) };
  const first = serverEngineSettings({ ...base, keylog: () => undefined }, nobleCryptoProvider);
  const hook = (): void => undefined;
  const second = serverEngineSettings({ ...base, keylog: hook }, nobleCryptoProvider);
  t.is(second.keylog, hook);
  t.is(second.ticketKeys, first.ticketKeys);
  t.is(second.certificateChain, first.certificateChain);
  t.is(serverEngineSettings({ ...base }, nobleCryptoProvider).keylog, undefined);
  const client = clientEngineSettings({ ca: caPem, servername: 'localhost', keylog: hook }, nobleCryptoProvider);
  t.is(client.keylog, hook);
  t.is(client.verifyServer, clientEngineSettings({ ca: caPem, servername: 'localhost' }, nobleCryptoProvider).verifyServer);
});
