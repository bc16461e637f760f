// What the test client of nest-rfc6455/testing does on the wire, against a server the test plays
// frame by frame: masking, pongs, the closing handshake, and the checks on the server's 101.
import { Test } from '@nestjs/testing';
import { createServer } from 'node:http';
import { closeAllTestClients, ConnectionClosedError, connectToGateway, RequestError } from '../../../lib/testing';
import { encodeClose, encodeFrame, encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { HandshakeModule } from '../../fixtures/gateways/handshake.gateway';
import { acceptResponse, ScriptedServer, ServerPeer, startScriptedServer } from './scripted-server';

describe('the test client on the wire', () => {
  let scripted: ScriptedServer | undefined;

  /** A server that accepts every handshake; the test then plays it through the peer. */
  const acceptingServer = async (extraLines: string[] = []): Promise<ScriptedServer> => {
    scripted = await startScriptedServer((peer) => peer.socket.write(acceptResponse(peer.request, extraLines)));
    return scripted;
  };

  afterEach(async () => {
    // The scripted server does not answer close frames: end its sockets first, so clients see the TCP close.
    await scripted?.close();
    scripted = undefined;
    await closeAllTestClients();
  });

  describe('the opening handshake', () => {
    it('sends the query, the headers and the offered subprotocols, and reports the one chosen', async () => {
      const server = await acceptingServer(['Sec-WebSocket-Protocol: superchat']);

      const ws = await connectToGateway(server.server, '/room', {
        query: { token: 't-1', tag: ['a', 'b'] },
        headers: { authorization: 'Bearer abc', origin: 'https://app.example' },
        protocols: ['chat', 'superchat'],
      });
      const { request } = await server.nextPeer();

      expect(request.url).toBe('/room?token=t-1&tag=a&tag=b');
      expect(request.headers).toMatchObject({
        authorization: 'Bearer abc',
        origin: 'https://app.example',
        'sec-websocket-version': '13',
        'sec-websocket-protocol': 'chat, superchat',
        upgrade: 'websocket',
      });
      expect(Buffer.from(request.headers['sec-websocket-key'] ?? '', 'base64')).toHaveLength(16);
      expect(ws.protocol).toBe('superchat');
    });

    it('lets a header replace the handshake’s own, to test refusals of odd requests', async () => {
      const server = await acceptingServer();

      await connectToGateway(server.server, '/', { headers: { 'Sec-WebSocket-Version': '13, 8' } });

      expect((await server.nextPeer()).request.headers['sec-websocket-version']).toBe('13, 8');
    });

    it('refuses a 101 whose Sec-WebSocket-Accept does not match the key', async () => {
      scripted = await startScriptedServer((peer) =>
        peer.socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBrZXk=\r\n\r\n'),
      );

      await expect(connectToGateway(scripted.server, '/')).rejects.toThrow('the handshake on / failed: Sec-WebSocket-Accept does not match the key sent');
    });

    it('refuses a subprotocol it did not offer, and an extension it never asked for', async () => {
      const chosen = await acceptingServer(['Sec-WebSocket-Protocol: mqtt']);
      await expect(connectToGateway(chosen.server, '/', { protocols: 'chat' })).rejects.toThrow('the server chose subprotocol "mqtt", which was not offered');
      await chosen.close();

      const extended = await acceptingServer(['Sec-WebSocket-Extensions: permessage-deflate']);
      await expect(connectToGateway(extended.server, '/')).rejects.toThrow('the server negotiated extensions (permessage-deflate), which the test client does not speak');
    });

    it('gives up on a server that never answers the handshake, within timeoutMs', async () => {
      scripted = await startScriptedServer(() => undefined);

      await expect(connectToGateway(scripted.server, '/', { timeoutMs: 100 })).rejects.toThrow('no answer to the WebSocket handshake on / within 100 ms');
    });

    it('says to listen first when the application has no port yet', async () => {
      const moduleRef = await Test.createTestingModule({ imports: [HandshakeModule] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        await expect(connectToGateway(app, '/secure')).rejects.toThrow('the application is not listening: call `await app.listen(0)` before connecting');
        await expect(connectToGateway(createServer(), '/secure')).rejects.toThrow('the application is not listening');
      } finally {
        await app.close();
      }
    });

    it('refuses a path that does not start with /', async () => {
      const server = await acceptingServer();

      await expect(connectToGateway(server.server, 'chat')).rejects.toThrow('a gateway path starts with "/": got "chat"');
    });
  });

  describe('frames', () => {
    it('masks every frame it sends, each with its own key', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      ws.send('say', { text: 'one' });
      ws.send('say', { text: 'two' });

      // The server-role parser fails unmasked frames, so two text events prove both were masked.
      expect(await peer.nextEvent()).toEqual({ kind: 'text', text: '{"event":"say","data":{"text":"one"}}' });
      expect(await peer.nextEvent()).toEqual({ kind: 'text', text: '{"event":"say","data":{"text":"two"}}' });
      const wire = Buffer.concat(peer.bytes);
      const firstLength = 2 + 4 + (wire[1] & 0x7f);
      expect(wire[1] & 0x80).toBe(0x80);
      expect(wire.subarray(2, 6)).not.toEqual(wire.subarray(firstLength + 2, firstLength + 6));
    });

    it('sends raw text and binary messages as they are, and takes any message with expectMessage', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      ws.sendRaw('plain text');
      ws.sendRaw(Buffer.from([0, 1, 2, 255]));
      peer.socket.write(encodeTextFrame('back as text'));
      peer.socket.write(encodeFrame(Buffer.from([9, 8]), { opcode: Opcode.Binary }));

      expect(await peer.nextEvent()).toEqual({ kind: 'text', text: 'plain text' });
      // In place or not, as the bytes happened to arrive (BinaryEvent.isInPlace): only the message counts here.
      expect(await peer.nextEvent()).toMatchObject({ kind: 'binary', data: Buffer.from([0, 1, 2, 255]) });
      expect(await ws.expectMessage()).toBe('back as text');
      expect(await ws.expectMessage()).toEqual(Buffer.from([9, 8]));
    });

    it('reads frames that arrive in the same packet as the 101', async () => {
      scripted = await startScriptedServer((peer) =>
        peer.socket.write(Buffer.concat([Buffer.from(acceptResponse(peer.request)), encodeTextFrame('{"event":"welcome","data":{"n":1}}')])),
      );

      const ws = await connectToGateway(scripted.server, '/');

      expect(await ws.expectEvent('welcome')).toEqual({ n: 1 });
    });

    it('answers a ping with a pong that carries the same payload', async () => {
      const server = await acceptingServer();
      await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      peer.socket.write(encodeFrame(Buffer.from('beat-1'), { opcode: Opcode.Ping }));

      expect(await peer.nextEvent()).toEqual({ kind: 'pong', payload: Buffer.from('beat-1') });
    });

    it('matches replies to requests by id, whatever order they come in', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      const first = ws.request('a');
      const second = ws.request('b');
      await peer.nextEvent();
      await peer.nextEvent();
      peer.socket.write(encodeTextFrame('{"event":"b","data":"for b","id":2}'));
      peer.socket.write(encodeTextFrame('{"event":"error","data":{"event":"a","code":"NOPE","message":"not a"},"id":1}'));

      await expect(second).resolves.toBe('for b');
      await expect(first).rejects.toEqual(new RequestError({ event: 'a', code: 'NOPE', message: 'not a' }));
    });

    it('finds events by a pattern (asymmetric matchers included) or a predicate, and leaves the others unread', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      for (const n of [1, 2, 3]) peer.socket.write(encodeTextFrame(JSON.stringify({ event: 'tick', data: { n, tags: ['a', 'b'], at: `t${n}` } })));

      expect(await ws.expectEvent('tick', { n: 2, at: expect.stringMatching(/^t\d$/) })).toMatchObject({ n: 2 });
      expect(await ws.expectEvent('tick', (tick: { n: number }) => tick.n > 2)).toMatchObject({ n: 3 });
      expect(await ws.expectEvent('tick', { tags: ['a', 'b'] })).toMatchObject({ n: 1 });
      await expect(ws.expectEvent('tick', { tags: ['a'] }, 50)).rejects.toThrow('expected event "tick" matching {"tags":["a"]} within 50 ms; nothing unread');
    });

    it('fails the connection with 1002 when the server sends a masked frame', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      peer.socket.write(encodeTextFrame('masked', Buffer.from([1, 2, 3, 4])));

      expect(await peer.nextEvent()).toEqual({ kind: 'close', code: 1002, reason: '' });
      peer.socket.end();
      expect(await ws.expectClose(1002)).toEqual({ code: 1002, reason: 'the test client failed the connection: server frame is masked' });
    });
  });

  describe('closing', () => {
    it('answers the server’s close frame with one, and reports the server’s code and reason', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      peer.socket.write(encodeClose(4001, 'bye now'));

      expect(await peer.nextEvent()).toEqual({ kind: 'close', code: 4001, reason: '' });
      peer.socket.end();
      expect(await ws.expectClose(4001)).toEqual({ code: 4001, reason: 'bye now' });
      expect(ws.isClosed).toBe(true);
    });

    it('reports 1006 when the TCP connection ends without a close frame', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');

      (await server.nextPeer()).socket.destroy();

      expect(await ws.expectClose()).toEqual({ code: 1006, reason: '' });
    });

    it('fails expectClose with the code that came instead', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');

      (await server.nextPeer()).socket.destroy();

      await expect(ws.expectClose(1000)).rejects.toThrow('expected the connection to close with 1000, it closed with 1006');
    });

    it('fails waits that are pending when the connection closes, saying how it closed', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      const waiting = ws.expectEvent('said');
      const asking = ws.request('join');
      peer.socket.destroy();

      await expect(waiting).rejects.toThrow('expected event "said", but the connection closed (1006); nothing unread');
      await expect(asking).rejects.toEqual(new ConnectionClosedError(1006, ''));
    });

    it('sends a close frame on close() and resolves once the server ended the connection', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/');
      const peer = await server.nextPeer();

      const closing = ws.close(4000, 'done');
      expect(await peer.nextEvent()).toEqual({ kind: 'close', code: 4000, reason: 'done' });
      peer.socket.end(encodeClose(4000));

      expect(await closing).toEqual({ code: 4000, reason: '' });
      expect(() => ws.send('late')).toThrow(ConnectionClosedError);
    });

    it('destroys the socket when the server never answers close() in time', async () => {
      const server = await acceptingServer();
      const ws = await connectToGateway(server.server, '/', { timeoutMs: 100 });
      await server.nextPeer();

      expect(await ws.close()).toEqual({ code: 1006, reason: '' });
    });

    it('closes every open client on closeAllTestClients()', async () => {
      const server = await acceptingServer();
      const clients = await Promise.all([connectToGateway(server.server, '/', { timeoutMs: 200 }), connectToGateway(server.server, '/', { timeoutMs: 200 })]);
      const peers: ServerPeer[] = [await server.nextPeer(), await server.nextPeer()];
      for (const peer of peers) void peer.nextEvent().then(() => peer.socket.end(encodeClose(1000)));

      await closeAllTestClients();

      expect(clients.map((client) => client.isClosed)).toEqual([true, true]);
    });
  });
});
