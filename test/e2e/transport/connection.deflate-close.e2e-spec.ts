import { once } from 'node:events';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { compressedTextFrame } from '../../helpers/deflate-peer';
import { collectMessages, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { randomBytes } from 'node:crypto';

const OFFER = { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } };
const textOf = (index: number): string => `message ${index} `.padEnd(2048, '.');

/**
 * Closing a deflate connection with compressed messages still waiting for zlib: the socket may
 * be paused for inflate backpressure, and the peer's close frame and FIN sit behind them.
 */
describe('Connection: closing with compressed messages in flight', () => {
  const harness = useTransportHarness();

  const connect = async (onConnection?: (connection: Connection) => void): Promise<{ peer: RawPeer; connection: Connection }> => {
    // A close timeout far past what a clean close takes: a stall shows as wasClean false.
    const server = await harness.start({ routes: [{ path: '/ws', perMessageDeflate: {}, connection: { closeTimeoutMs: 10_000 }, onConnection }] });
    const peer = await harness.rawPeer(server.port, '/ws', OFFER);
    return { peer, connection: await server.nextConnection() };
  };

  it.each([4, 40])(
    'reads the peer’s close answer after %i compressed messages sent back to back (the socket paused for inflate is resumed)',
    async (count) => {
      const { peer, connection } = await connect((accepted) => accepted.close(1000, 'bye'));
      // Sent after our close frame left: the server reads them while CLOSING, then the answer.
      peer.socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => compressedTextFrame(textOf(i)))));
      await peer.nextOf('close');
      peer.sendClose(1000);
      await peer.ended;
      peer.socket.end();
      expect(await connection.closed).toEqual({ code: 1000, reason: '', wasClean: true });
    },
  );

  it.each([4, 40])('closes cleanly when a ws client sends %i compressed messages to an echo back to back, then closes', async (count) => {
    let messages: Array<string | Buffer> = [];
    const server = await harness.start({
      routes: [
        {
          path: '/ws',
          perMessageDeflate: {},
          connection: { closeTimeoutMs: 10_000 },
          onConnection: (accepted) => {
            messages = collectMessages(accepted);
            accepted.on('message', (data) => accepted.send(data));
          },
        },
      ],
    });
    const client = await harness.ws(`ws://127.0.0.1:${server.port}/ws`, undefined, { perMessageDeflate: true });
    const connection = await server.nextConnection();
    const texts = Array.from({ length: count }, (_, i) => textOf(i));

    for (const text of texts) client.send(text);
    client.close(1000);

    expect(await connection.closed).toEqual({ code: 1000, reason: '', wasClean: true });
    expect(messages).toEqual(texts);
  });

  it('delivers 5 compressed messages sent with a close frame and FIN in one burst, in order, and answers the close', async () => {
    let messages: Array<string | Buffer> = [];
    const { peer, connection } = await connect((accepted) => (messages = collectMessages(accepted)));
    const texts = Array.from({ length: 5 }, (_, i) => textOf(i));

    peer.socket.end(Buffer.concat([...texts.map(compressedTextFrame), encodeClose(1000, 'done', randomBytes(4))]));
    const [closeEvent] = (await once(connection, 'close')) as [CloseEvent];
    await peer.closed;

    expect(messages).toEqual(texts);
    expect(peer.eventsOf('close')).toEqual([{ kind: 'close', code: 1000, reason: 'done' }]);
    expect(closeEvent).toEqual({ code: 1000, reason: 'done', wasClean: true });
  });
});
