import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { encodeClose, encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { CloseEvent, Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { deflateMessage } from '../../helpers/deflate-client';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };

/** A masked text message, compressed (RSV1, RFC 7692 §6) when the connection has permessage-deflate. */
const textFrame = (text: string, isCompressed: boolean): Buffer =>
  isCompressed
    ? encodeFrame(deflateMessage(text), { opcode: Opcode.Text, rsv1: true, maskKey: randomBytes(4) })
    : encodeFrame(Buffer.from(text), { opcode: Opcode.Text, maskKey: randomBytes(4) });

interface Before {
  name: string;
  /** Called in the message handler before terminate(). */
  act: (connection: Connection) => void;
  /** The close event terminate() leads to: no closing handshake completed (§7.1.4), so never clean. */
  expected: CloseEvent;
}

const BEFORE: Before[] = [
  { name: 'nothing', act: () => undefined, expected: { code: 1006, reason: '', wasClean: false } },
  { name: 'close(4000)', act: (connection) => connection.close(4000), expected: { code: 4000, reason: '', wasClean: false } },
];

const CELLS = [false, true].flatMap((isDeflate) => BEFORE.map((before) => ({ label: `deflate ${isDeflate ? 'on' : 'off'}, ${before.name} before`, isDeflate, before })));

/**
 * terminate() destroys the socket: a close frame the peer sent in the same read (or that waited
 * behind an inflation) arrives after it. It completes no handshake: our close frame never left.
 */
describe('Connection: terminate() with the peer’s close frame in the same read', () => {
  it.each(CELLS)('$label: the close event is not clean and nothing is written', async ({ isDeflate, before }) => {
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, { ...OPTIONS, deflate: isDeflate ? deflateParams(false) : undefined });
    connection.on('message', () => {
      before.act(connection);
      connection.terminate();
    });
    connection.open();
    const closed = once(connection, 'close');

    socket.push(Buffer.concat([textFrame('hello', isDeflate), encodeClose(1000, 'bye', randomBytes(4))]));
    const [event] = (await closed) as [CloseEvent];

    expect({ event, written: socket.written.length }).toEqual({ event: before.expected, written: 0 });
  });
});
