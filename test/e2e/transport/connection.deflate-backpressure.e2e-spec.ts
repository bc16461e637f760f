import { randomBytes } from 'node:crypto';
import { Connection, ReadyState } from '../../../lib/transport/connection';
import { Opcode } from '../../../lib/protocol/opcode';
import { useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

const KIB = 1024;
const OFFER = { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } };

/**
 * With permessage-deflate, a close frame sent while messages wait for zlib is queued behind them
 * (the outbound queue). TCP must end after that frame, not before: ending first made the frame's
 * write fail and destroyed the socket, so the peer saw a FIN or a reset and never the close frame.
 */
describe('Connection: closing while messages wait to be compressed', () => {
  const harness = useTransportHarness();

  const connect = async (maxBufferedBytes: number): Promise<{ peer: RawPeer; connection: Connection }> => {
    const server = await harness.start({
      routes: [{ path: '/ws', perMessageDeflate: {}, connection: { maxBufferedBytes, onBufferOverflow: 'close' } }],
    });
    const peer = await harness.rawPeer(server.port, '/ws', OFFER);
    expect(peer.head.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
    return { peer, connection: await server.nextConnection() };
  };

  it('sends the 1008 close frame, then ends TCP, when messages waiting for zlib pass maxBufferedBytes', async () => {
    const { peer, connection } = await connect(64 * KIB);

    // Random bytes do not compress. The first goes to zlib at once and counts against the limit
    // while it compresses (past the high-water mark: wait for 'drain'); the second would pass the limit.
    expect(connection.send(randomBytes(48 * KIB))).toBe(false);
    expect(connection.readyState).toBe(ReadyState.Open);
    expect(connection.send(randomBytes(48 * KIB))).toBe(false);
    expect(connection.readyState).toBe(ReadyState.Closing);

    // The message accepted before the overflow still goes out, then the close frame.
    expect((await peer.next()).kind).toBe('compressed');
    expect(await peer.next()).toEqual({ kind: 'close', code: 1008, reason: 'slow consumer' });
    await peer.ended;
    peer.sendClose(1008, 'slow consumer');
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1008, reason: 'slow consumer', wasClean: true });
  });

  it("echoes the peer's close frame, then ends TCP, when a reply is still being compressed", async () => {
    const { peer, connection } = await connect(8 << 20);
    connection.on('message', () => connection.send(randomBytes(256 * KIB)));

    // One write: the message's reply starts compressing before the close frame is read.
    peer.socket.write(Buffer.concat([RawPeer.frame(Opcode.Binary, 'reply, please'), RawPeer.frame(Opcode.Close, Buffer.from([0x03, 0xe8]))]));

    // The reply that was compressing when the close arrived goes out first, then the echo.
    expect((await peer.next()).kind).toBe('compressed');
    expect(await peer.next()).toEqual({ kind: 'close', code: 1000, reason: '' });
    await peer.ended;
    peer.socket.end();
    expect(await connection.closed).toEqual({ code: 1000, reason: '', wasClean: true });
  });
});
