import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions, ReadyState } from '../../../lib/transport/connection';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };

const masked = (payload: Buffer, opcode: Opcode): Buffer => encodeFrame(payload, { opcode, maskKey: randomBytes(4) });
/** The first half of a 64 KiB binary frame: a parser that reads it holds an unfinished message. */
const unfinishedFrame = (): Buffer => {
  const frame = masked(randomBytes(64 * 1024), Opcode.Binary);
  return frame.subarray(0, frame.length >> 1);
};
/** What a closed Connection still holds of its receive side (e69b752: nothing). */
const parserOf = (connection: Connection): unknown => (connection as unknown as { frameParser: unknown }).frameParser;

/**
 * A closed Connection reads nothing more (e69b752 drops its parser at close). Bytes that reach it
 * after the close by any way, not only the socket's 'data' event, must not make a new parser that
 * holds what the peer left unfinished, nor deliver anything.
 */
describe('Connection: bytes that reach a closed connection', () => {
  it.each([false, true])('open(head) after the socket closed before reading started (deflate %s): nothing parsed, nothing listened to', async (isDeflate) => {
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, { ...OPTIONS, deflate: isDeflate ? deflateParams(true) : undefined });
    const messages: unknown[] = [];
    connection.on('message', (message) => messages.push(message));
    const closed = once(connection, 'close');
    socket.destroy(); // the peer left while the gateway was still starting (an async guard or onConnection)
    await closed;

    connection.open(Buffer.concat([masked(Buffer.from('hi'), Opcode.Text), unfinishedFrame()]));

    expect({ messages, parser: parserOf(connection), dataListeners: socket.listenerCount('data'), readyState: connection.readyState }).toEqual({
      messages: [],
      parser: undefined,
      dataListeners: 0,
      readyState: ReadyState.Closed,
    });
  });

});
