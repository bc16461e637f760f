import { once } from 'node:events';
import { createServer, IncomingMessage } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection } from '../../../lib/transport/connection';
import { OwnPortServer } from '../../../lib/transport/own-port-server';
import { HandshakeRequest } from '../../../lib/transport/handshake-channel';
import { UpgradeListener, UpgradeListenerOptions } from '../../../lib/transport/upgrade-listener';
import { route, RouteSpec, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer, upgradeRequest } from '../../helpers/transport-peer';

// A gateway's own port (own-port-server.ts): request heads read by our parser, not node:http. The same
// answers as the application's server (DESIGN.md "Close codes and HTTP answers") under split, malformed,
// oversized, slow and abandoned heads.
describe('UpgradeListener.listen(): the own-port server', () => {
  const harness = useTransportHarness();

  const listenOnOwnPort = async (spec: Partial<RouteSpec> = {}, options: Partial<UpgradeListenerOptions> = {}) => {
    const refusals: { status: number; url: string | undefined }[] = [];
    const unexpectedErrors: unknown[] = [];
    const listener = harness.track(
      new UpgradeListener({
        handshakeTimeoutMs: 2_000,
        onUnexpectedError: (error) => unexpectedErrors.push(error),
        onRefusal: (refusal: HandshakeRefusal, url) => refusals.push({ status: refusal.status, url }),
        ...options,
      }),
    );
    const requests: HandshakeRequest[] = [];
    listener.addRoute(
      route({ path: '/ws', ...spec }, (connection: Connection, request: HandshakeRequest) => {
        requests.push(request);
        connection.on('message', (data) => connection.send(data));
      }),
    );
    const { port } = await listener.listen(0, '127.0.0.1');
    return { listener, port, refusals, requests, unexpectedErrors };
  };

  const rawSocket = async (port: number): Promise<Socket> => {
    const socket = connect(port, '127.0.0.1');
    harness.sockets.add(socket);
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    return socket;
  };

  const textFrame = (text: string): Buffer => RawPeer.frame(Opcode.Text, text);

  it('switches protocols for a head written one byte at a time, and reads the frame that follows it in the last write', async () => {
    const { port } = await listenOnOwnPort();
    const socket = await rawSocket(port);
    const head = Buffer.from(upgradeRequest('/ws'));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));

    for (let i = 0; i < head.length - 1; i++) {
      socket.write(head.subarray(i, i + 1));
      await new Promise((resolve) => setImmediate(resolve)); // a separate read for each byte
    }
    socket.write(Buffer.concat([head.subarray(head.length - 1), textFrame('after the head')]));
    while (!Buffer.concat(received).includes('after the head')) await once(socket, 'data');

    const answer = Buffer.concat(received).toString('latin1');
    expect(answer.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    expect(answer.endsWith('\x81\x0eafter the head')).toBe(true);
  });

  it('keeps frames sent behind the head while an asynchronous onConnection runs, in order', async () => {
    let release!: () => void;
    const started = new Promise<void>((resolve) => (release = resolve));
    const { port } = await listenOnOwnPort({ onConnection: () => started });
    const frames = Buffer.concat(['one', 'two', 'three'].map(textFrame));

    const peerReady = harness.rawPeer(port, '/ws', { extraBytes: frames });
    const peer = await peerReady;
    release();

    expect([await peer.next(), await peer.next(), await peer.next()]).toEqual(['one', 'two', 'three'].map((text) => ({ kind: 'text', text })));
  });

  // The own port hands the socket over still flowing (no resume for a connection read at once): every wait must hold what arrives.
  it.each([
    ['an asynchronous verify hook (a handshake guard), before the 101', 'verify'],
    ['an asynchronous onConnection, after the 101', 'onConnection'],
  ] as const)('keeps frames the peer writes one by one while %s runs, in order', async (_, hook) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const isWaiting = new Promise<void>((resolve) => (entered = resolve));
    const wait = async (): Promise<undefined> => {
      entered();
      await released;
      return undefined;
    };
    const { port, unexpectedErrors } = await listenOnOwnPort(hook === 'verify' ? { verify: wait } : { onConnection: wait });
    const socket = await rawSocket(port);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));

    socket.write(upgradeRequest('/ws'));
    await isWaiting;
    for (const text of ['one', 'two', 'three']) {
      socket.write(textFrame(text));
      await new Promise((resolve) => setImmediate(resolve)); // a separate read for each frame
    }
    release();
    while (!Buffer.concat(received).includes('three')) await once(socket, 'data');

    const answer = Buffer.concat(received).toString('latin1');
    expect(answer.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    expect(answer.endsWith('\x81\x03one\x81\x03two\x81\x05three')).toBe(true);
    expect(unexpectedErrors).toEqual([]);
  });

  it('gives the route an IncomingMessage as node:http makes it: method, url, version, headers joined by Node\'s rules, headersDistinct, socket', async () => {
    const { port, requests } = await listenOnOwnPort();
    await harness.rawPeer(port, '/ws?token=a', { headers: { 'X-Twice': 'one\r\nX-Twice: two', Cookie: 'a=1\r\ncookie: b=2', Authorization: 'first\r\nAuthorization: second' } });

    const [request] = requests as IncomingMessage[]; // HTTP/1.1 here, not an HTTP/2 stream
    expect({
      method: request.method,
      url: request.url,
      httpVersion: request.httpVersion,
      xTwice: request.headers['x-twice'],
      cookie: request.headers.cookie,
      authorization: request.headers.authorization,
      distinct: request.headersDistinct['x-twice'],
      rawHeaders: request.rawHeaders.slice(0, 2),
      remoteAddress: request.socket.remoteAddress,
    }).toEqual({
      method: 'GET',
      url: '/ws?token=a',
      httpVersion: '1.1',
      xTwice: 'one, two',
      cookie: 'a=1; b=2',
      authorization: 'first',
      distinct: ['one', 'two'],
      rawHeaders: ['Host', '127.0.0.1'],
      remoteAddress: '127.0.0.1',
    });
  });

  it('takes header names that every object inherits (__proto__, constructor, toString, hasOwnProperty) as node:http does: 101, the same headers', async () => {
    const { port, requests, unexpectedErrors } = await listenOnOwnPort();
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
    // Twice each: the second is joined to (or dropped after) the first one, never to what the object inherits.
    const headers = Object.fromEntries(names.map((name) => [name, `one\r\n${name}: two`]));
    const seenByNode = new Promise<IncomingMessage>((resolve) => {
      const server = createServer();
      server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
        socket.destroy();
        server.close();
        resolve(request);
      });
      server.listen(0, '127.0.0.1', () => void rawSocket((server.address() as AddressInfo).port).then((socket) => socket.write(upgradeRequest('/ws', { headers }))));
    });

    await harness.rawPeer(port, '/ws', { headers });
    const nodes = await seenByNode;

    const [ours] = requests as IncomingMessage[];
    const own = (request: IncomingMessage) => Object.fromEntries(Object.entries(request.headers));
    expect({ headers: own(ours), rawHeaders: ours.rawHeaders }).toEqual({ headers: own(nodes), rawHeaders: nodes.rawHeaders });
    expect(Object.getPrototypeOf(ours.headers)).toBe(Object.prototype);
    // Lower-cased as node:http does; `constructor` and `__proto__` are still names every object has.
    const distinct = names.map((name) => name.toLowerCase()).map((name) => Object.hasOwn(ours.headersDistinct, name) && ours.headersDistinct[name]);
    expect(distinct).toEqual(names.map(() => ['one', 'two']));
    expect(unexpectedErrors).toEqual([]);
  });

  it('answers 500 and reports the error when handing a head over throws, instead of throwing in the socket\'s data event', async () => {
    const errors: Error[] = [];
    const server = new OwnPortServer({
      handshakeTimeoutMs: 2_000,
      onRequest: () => {
        throw new Error('a bug on the way to the route');
      },
      onRefusal: () => undefined,
      onError: (error) => errors.push(error),
    });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const answer = await harness.http(port, upgradeRequest('/ws'));

      expect({ status: answer.head?.status, didServerEnd: answer.didServerEnd }).toEqual({ status: 500, didServerEnd: true });
      expect(errors.map((error) => error.message)).toEqual(['a bug on the way to the route']);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a folded header line', upgradeRequest('/ws', { headers: { 'X-A': 'one\r\n two' } })],
    ['whitespace before a colon', upgradeRequest('/ws', { headers: { 'Upgrade ': 'websocket' } })],
    ['a bare LF in a value', upgradeRequest('/ws', { headers: { 'X-A': 'one\ntwo' } })],
    ['Transfer-Encoding: chunked', upgradeRequest('/ws', { headers: { 'Transfer-Encoding': 'chunked' } })],
    ['a malformed request line', upgradeRequest('/ws').replace('GET /ws HTTP/1.1', 'GET /ws  HTTP/1.1')],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
    // Heads whose blank line (CRLF CRLF) may never come: refused at the first byte no head may have, not at the timeout.
    ['a TLS ClientHello', Buffer.from('16030100a5010000a10303', 'hex')],
    ['a head with LF line ends', upgradeRequest('/ws').replace(/\r\n/g, '\n')],
    ['a NUL in a head not yet complete', 'GET /ws HTTP/1.1\r\nHost: a\0'],
  ])('answers %s with 400, Connection: close, and ends TCP; the refusal is reported without a URL', async (_case, request) => {
    const { port, refusals } = await listenOnOwnPort();

    const answer = await harness.http(port, request);

    expect({ status: answer.head?.status, connection: answer.head?.headers.connection, didServerEnd: answer.didServerEnd }).toEqual({ status: 400, connection: 'close', didServerEnd: true });
    expect(refusals).toEqual([{ status: 400, url: undefined }]);
  });

  it.each([
    ['a head that passes 16 KiB without ending', upgradeRequest('/ws', { headers: { 'X-Big': 'b'.repeat(20 * 1024) } }).slice(0, -4)],
    ['a complete head of 20 KiB', upgradeRequest('/ws', { headers: { 'X-Big': 'b'.repeat(20 * 1024) } })],
  ])('answers %s with 431 and ends TCP', async (_case, request) => {
    const { port } = await listenOnOwnPort();

    const answer = await harness.http(port, request);

    expect({ status: answer.head?.status, didServerEnd: answer.didServerEnd }).toEqual({ status: 431, didServerEnd: true });
  });

  it('answers a head that never ends with 408 once the handshake timeout passes, and ends TCP', async () => {
    const { port } = await listenOnOwnPort({}, { handshakeTimeoutMs: 300 });

    const answer = await harness.http(port, 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');

    expect({ status: answer.head?.status, didServerEnd: answer.didServerEnd }).toEqual({ status: 408, didServerEnd: true });
  });

  it('answers an upgrade to another path with 404, reported with its URL, and a plain GET with 426', async () => {
    const { port, refusals } = await listenOnOwnPort();

    const missing = await harness.http(port, upgradeRequest('/other?x=1'));
    const plain = await harness.http(port, 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

    expect([missing.head?.status, plain.head?.status, plain.head?.headers.upgrade]).toEqual([404, 426, 'websocket']);
    expect(refusals).toEqual([{ status: 404, url: '/other?x=1' }, { status: 426, url: '/ws' }]);
  });

  it('forgets 50 peers that reset or end at every point of their head: nothing unexpected, and close() resolves', async () => {
    const { listener, port, unexpectedErrors } = await listenOnOwnPort();
    const head = Buffer.from(upgradeRequest('/ws'));
    const sockets = await Promise.all(Array.from({ length: 50 }, () => rawSocket(port)));

    await Promise.all(
      sockets.map(async (socket, i) => {
        socket.write(head.subarray(0, Math.floor((i / 50) * head.length)));
        if (i % 2 === 0) socket.resetAndDestroy();
        else socket.end();
        await once(socket, 'close');
      }),
    );
    const fresh = await harness.rawPeer(port, '/ws');
    fresh.send(Opcode.Text, 'still serving');

    expect(await fresh.next()).toEqual({ kind: 'text', text: 'still serving' });
    fresh.socket.destroy();
    await listener.close();
    expect(unexpectedErrors).toEqual([]);
  });
});
