import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions, ReadyState } from '../../../lib/transport/connection';
import { unmaskedFrame } from '../../helpers/frames';
import { RecordingDuplex } from '../../helpers/recording-duplex';
import { deflateParams } from '../../helpers/deflate-params';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };
const DEFLATE = deflateParams(true);

interface Ending {
  name: string;
  /** Ends the connection; resolves once the connection has acted on it. */
  end: (connection: Connection, socket: RecordingDuplex) => Promise<void> | void;
  /** A reset is seen at the socket's 'close' event, a turn later: readyState stays OPEN until then. */
  isOpenUntilClose?: boolean;
}

const ENDINGS: Ending[] = [
  { name: 'close()', end: (connection) => connection.close(1000) },
  { name: 'terminate()', end: (connection) => connection.terminate() },
  {
    name: 'the peer’s close frame',
    end: async (_connection, socket) => {
      socket.push(encodeClose(1000, '', randomBytes(4)));
      await once(socket, 'finish');
    },
  },
  {
    name: 'a protocol error (an unmasked frame, §5.1)',
    end: async (_connection, socket) => {
      socket.push(unmaskedFrame(Opcode.Text, 'not masked'));
      await once(socket, 'finish');
    },
  },
  {
    name: 'the peer’s FIN',
    end: async (_connection, socket) => {
      socket.push(null);
      await once(socket, 'finish');
    },
  },
  {
    name: 'the socket closing',
    end: async (connection, socket) => {
      socket.destroy();
      await once(connection, 'close');
    },
  },
  // Messages read before a reset are still delivered (connection.ts): a reply to one cannot leave.
  { name: 'a reset, before the socket’s close event', end: (_connection, socket) => void socket.destroy(), isOpenUntilClose: true },
];

const CELLS = [undefined, DEFLATE].flatMap((deflate) => ENDINGS.map((ending) => ({ label: `deflate ${deflate ? 'on' : 'off'} × ${ending.name}`, deflate, ending })));

/**
 * §5.5.1: nothing is sent after the close frame, and an application told "not open" learns it
 * from send() itself. Every way a connection ends refuses send() (false, no throw, no write) and
 * ping() from the moment it starts, with permessage-deflate off and on.
 */
describe('Connection: sending once it is ending', () => {
  let socket: RecordingDuplex;

  beforeEach(() => (socket = new RecordingDuplex()));
  afterEach(() => socket.destroy());

  it('has 14 cells', () => expect(CELLS).toHaveLength(14));

  it.each(CELLS)('$label: send() answers false and nothing but the close frame is written', async ({ deflate, ending }) => {
    const connection = new Connection(socket, { ...OPTIONS, deflate });
    connection.open();
    await ending.end(connection, socket);

    const answers = [connection.send('late'), connection.send(Buffer.alloc(100_000)), connection.send('x'.repeat(5_000))];
    connection.ping();
    const isRefusing = connection.readyState >= (ending.isOpenUntilClose ? ReadyState.Open : ReadyState.Closing);
    await new Promise(setImmediate); // past the end of the tick, when held writes would leave
    if (!socket.destroyed) socket.destroy();
    await connection.closed;

    expect({ answers, isRefusing }).toEqual({ answers: [false, false, false], isRefusing: true });
    const kinds = new FrameParser({ role: 'client', maxMessageBytes: 1 << 20, isDeflateNegotiated: true }).push(socket.written).map((event) => event.kind);
    expect(kinds.filter((kind) => kind !== 'close')).toEqual([]);
    expect(kinds.length).toBeLessThanOrEqual(1);
    expect(connection.bufferedAmount).toBe(0);
  });
});
