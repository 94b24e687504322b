/** Unit tests of TCPRawConnection: one writev per iovec, bounded reads, end, errors, close. */
import test from 'ava';
import net from 'node:net';
import { ConnectionClosedError } from '../../src/errors.js';
import { connectTCP, TCPRawConnection } from '../../src/raw/tcp.js';

/** A loopback server handing out the accepted sockets in order. */
async function loopback(): Promise<{ port: number; accepted: () => Promise<net.Socket>; close: () => void }> {
  const sockets: net.Socket[] = [];
  const waiters: ((s: net.Socket) => void)[] = [];
  const server = net.createServer((s) => {
    const w = waiters.shift();
    if (w) w(s);
    else sockets.push(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => {
      const s = sockets.shift();
      return s ? Promise.resolve(s) : new Promise((resolve) => waiters.push(resolve));
    },
    close: () => server.close(),
  };
}

test('an iovec goes out as ONE writev and arrives whole', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  const socket = raw.socket as unknown as { _writev: (...args: unknown[]) => unknown; _write: (...args: unknown[]) => unknown };
  const calls: string[] = [];
  const writev = socket._writev.bind(socket);
  const write = socket._write.bind(socket);
  socket._writev = (...args: unknown[]) => {
    calls.push(`writev ${(args[0] as unknown[]).length}`);
    return writev(...args);
  };
  socket._write = (...args: unknown[]) => {
    calls.push('write');
    return write(...args);
  };
  const received = new Promise<Buffer>((resolve) => peer.once('data', resolve));
  await raw.sendBytes([Buffer.from('alpha '), Buffer.from('beta '), Buffer.from('gamma')]);
  t.deepEqual(calls, ['writev 3']);
  t.is((await received).toString(), 'alpha beta gamma', 'one segment on loopback');
  t.is(typeof raw.fileDescriptor, 'number');
  t.regex(raw.remoteAddress ?? '', /^127\.0\.0\.1:\d+$/);
  raw.destroy();
  peer.destroy();
  server.close();
});

test('reads return at most max, keep the rest, and end with an empty array', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  peer.end(Buffer.from('0123456789'));
  const first = await raw.receiveBytes(4);
  t.is(Buffer.from(first).toString(), '0123');
  let rest = '';
  for (;;) {
    const chunk = await raw.receiveBytes(100);
    if (chunk.length === 0) break;
    rest += Buffer.from(chunk).toString();
  }
  t.is(rest, '456789');
  t.is((await raw.receiveBytes(1)).length, 0, 'end of stream is sticky');
  await raw.close();
  await raw.close();
  await t.throwsAsync(raw.sendBytes(Uint8Array.of(1)), { instanceOf: ConnectionClosedError });
  await t.throwsAsync(raw.receiveBytes(1), { instanceOf: ConnectionClosedError });
  server.close();
});

test('the socket pauses above the high-water mark and resumes when drained', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  const total = 4 * 1024 * 1024;
  const block = Buffer.alloc(64 * 1024, 7);
  const writing = (async () => {
    for (let sent = 0; sent < total; sent += block.length) {
      if (!peer.write(block)) await new Promise((resolve) => peer.once('drain', resolve));
    }
    peer.end();
  })();
  let received = (await raw.receiveBytes(1)).length; // the reader exists from the first read
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.true(raw.socket.isPaused(), 'paused while nobody reads');
  for (;;) {
    const chunk = await raw.receiveBytes(1024 * 1024);
    if (chunk.length === 0) break;
    received += chunk.length;
  }
  await writing;
  t.is(received, total);
  await raw.close();
  server.close();
});

test('a reset rejects pending reads with ConnectionClosedError carrying the cause', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  const pending = raw.receiveBytes(10);
  peer.resetAndDestroy();
  const error = await t.throwsAsync(pending, { instanceOf: ConnectionClosedError });
  t.truthy(error?.cause, 'the socket error is kept as the cause');
  raw.destroy();
  server.close();
});

test('connectTCP to a closed port rejects with ConnectionClosedError', async (t) => {
  const server = await loopback();
  const port = server.port;
  server.close();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await t.throwsAsync(connectTCP({ host: '127.0.0.1', port }), { instanceOf: ConnectionClosedError });
});

test('fromSocket wraps an accepted socket; close sends FIN the peer sees as end', async (t) => {
  const server = await loopback();
  const client = await connectTCP({ host: '127.0.0.1', port: server.port });
  const accepted = TCPRawConnection.fromSocket(await server.accepted());
  await accepted.sendBytes(Buffer.from('bye'));
  await accepted.close();
  t.is(Buffer.from(await client.receiveBytes(10)).toString(), 'bye');
  t.is((await client.receiveBytes(10)).length, 0);
  await client.close();
  server.close();
});

test('every connection shares the same socket listeners (an idle connection holds no closures for them), each reading its own bytes', async (t) => {
  const server = await loopback();
  const a = await connectTCP({ host: '127.0.0.1', port: server.port });
  const b = await connectTCP({ host: '127.0.0.1', port: server.port });
  t.deepEqual(a.socket.listeners('error'), b.socket.listeners('error'), 'the same error listener before any read');
  const sa = await server.accepted();
  const sb = await server.accepted();
  sa.write('to a');
  sb.write('to b');
  t.is(Buffer.from(await a.receiveBytes(10)).toString(), 'to a');
  t.is(Buffer.from(await b.receiveBytes(10)).toString(), 'to b');
  for (const event of ['data', 'end', 'error', 'close']) {
    t.true(a.socket.listenerCount(event) > 0, event);
    t.deepEqual(a.socket.listeners(event), b.socket.listeners(event), `the same ${event} listeners`);
  }
  await a.close();
  await b.close();
  sa.destroy();
  sb.destroy();
  server.close();
});

test('no reader before the first read: the socket only has the shared error listener, and keeps what arrives', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  peer.write('kept');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(raw.socket.listenerCount('data'), 0, 'no data listener yet');
  t.is(raw.socket.listenerCount('error'), 1, 'an error before any read is still caught');
  t.is(Buffer.from(await raw.receiveBytes(10)).toString(), 'kept');
  raw.destroy();
  peer.destroy();
  server.close();
});

test('a reset before the first read still reaches reads, after the bytes that came before it', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  peer.write('before the reset');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closed = new Promise((resolve) => raw.socket.once('close', resolve));
  peer.resetAndDestroy();
  await closed; // the socket is gone before anything asked to read
  t.is(Buffer.from(await raw.receiveBytes(100)).toString(), 'before the reset');
  const error = await t.throwsAsync(raw.receiveBytes(10), { instanceOf: ConnectionClosedError });
  t.truthy(error?.cause, 'the socket error is kept as the cause');
  t.is(raw.lendSocket(), undefined, 'a failed connection is not lent');
  raw.destroy();
  server.close();
});

test('close before the first read sends FIN, discards what arrives, and later reads reject', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  const peerEnded = new Promise((resolve) => peer.once('end', resolve));
  peer.resume();
  peer.write('unread');
  await raw.close();
  await peerEnded;
  await t.throwsAsync(raw.receiveBytes(10), { instanceOf: ConnectionClosedError });
  t.is(raw.lendSocket(), undefined, 'a closing connection is not lent');
  raw.destroy();
  peer.destroy();
  server.close();
});

/** Reads `count` bytes straight from a socket (paused or flowing). */
function readFromSocket(socket: net.Socket, count: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= count) {
        socket.off('data', onData);
        socket.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.resume();
  });
}

test('lendSocket hands the socket over with the bytes that had already arrived still in it', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  peer.write('early bytes');
  await new Promise((resolve) => setTimeout(resolve, 100)); // they reach our queue before the lend
  const socket = raw.lendSocket();
  t.truthy(socket, 'an untouched connection lends its socket');
  t.is(raw.lendSocket(), undefined, 'only once');
  peer.write(' and later ones');
  t.is((await readFromSocket(socket!, 26)).toString(), 'early bytes and later ones', 'nothing lost, nothing reordered');
  await t.throwsAsync(raw.receiveBytes(10), { instanceOf: ConnectionClosedError }, 'reads are the new owner\'s');
  await raw.sendBytes(new TextEncoder().encode('raw write')); // still straight into the socket
  t.is((await readFromSocket(peer, 9)).toString(), 'raw write');
  raw.destroy();
  peer.destroy();
  server.close();
});

test('lendSocket refuses once anything was read or written through the connection', async (t) => {
  const server = await loopback();
  const read = await connectTCP({ host: '127.0.0.1', port: server.port });
  const readPeer = await server.accepted();
  readPeer.write('x');
  t.is((await read.receiveBytes(1)).length, 1);
  t.is(read.lendSocket(), undefined, 'after a read');
  const written = await connectTCP({ host: '127.0.0.1', port: server.port });
  const writtenPeer = await server.accepted();
  await written.sendBytes(Uint8Array.of(1));
  t.is(written.lendSocket(), undefined, 'after a write');
  for (const s of [read, written]) s.destroy();
  for (const s of [readPeer, writtenPeer]) s.destroy();
  server.close();
});

test('reclaimSocket takes a lent socket back: reads go on through the connection', async (t) => {
  const server = await loopback();
  const raw = await connectTCP({ host: '127.0.0.1', port: server.port });
  const peer = await server.accepted();
  const socket = raw.lendSocket()!;
  peer.write('lent');
  t.is((await readFromSocket(socket, 4)).toString(), 'lent');
  raw.reclaimSocket();
  peer.end('back');
  const got: Uint8Array[] = [];
  for (let bytes = await raw.receiveBytes(100); bytes.length > 0; bytes = await raw.receiveBytes(100)) got.push(bytes);
  t.is(Buffer.concat(got).toString(), 'back');
  await raw.close();
  server.close();
});
