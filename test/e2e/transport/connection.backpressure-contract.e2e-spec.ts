import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, deflateRawSync } from 'node:zlib';
import { frameHeaderBytes } from '../../../lib/protocol/frame-writer';
import { Connection, ConnectionOptions, ReadyState } from '../../../lib/transport/connection';
import { DEFLATE_MODES, DeflateMode, ServerMessageReader } from '../../helpers/deflate-peer';
import { useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

/**
 * The backpressure contract, the same with and without permessage-deflate: send() answers false
 * from the socket's high-water mark on and 'drain' follows; bufferedAmount is exact at every step
 * (a message waiting for or under compression counts at its frame size) and 0 after close; past
 * maxBufferedBytes the 'close' policy closes 1008 and the 'drop' policy drops, after exactly as
 * many messages in both modes.
 */

/** Random bytes do not compress: the frame sizes are the same in every mode. */
const MESSAGE_BYTES = 4 * 1024;
const FRAME_BYTES = frameHeaderBytes(MESSAGE_BYTES, false) + MESSAGE_BYTES;
/**
 * Without context takeover a message this small is compressed at once (ZLIB_ON_LOOP_MAX_BYTES), so
 * what is buffered is its compressed frame: random bytes go out as a stored block, 6 bytes longer.
 * With context takeover it waits for the thread pool, counted at its frame size until it is written.
 */
const storedFrameBytes = frameHeaderBytes(MESSAGE_BYTES, false) + deflateRawSync(randomBytes(MESSAGE_BYTES), { finishFlush: constants.Z_SYNC_FLUSH }).length - 4;
const bufferedFrameBytes = (mode: DeflateMode): number => (mode.route?.serverNoContextTakeover ? storedFrameBytes : FRAME_BYTES);
const MAX_BUFFERED_BYTES = 64 * 1024;
/** The messages an empty queue takes before the next one would pass MAX_BUFFERED_BYTES. */
const ACCEPTED_BEFORE_OVERFLOW = Math.floor(MAX_BUFFERED_BYTES / FRAME_BYTES);

interface Contract {
  name: string;
  options?: Partial<ConnectionOptions>;
  /** `frameBytes`: what one message adds to bufferedAmount in this mode. */
  check: (connection: Connection, peer: RawPeer, reader: ServerMessageReader, frameBytes: number) => Promise<void>;
}

/** The peer's data messages so far, inflated when compressed. */
const receivedBy = (peer: RawPeer, reader: ServerMessageReader): Buffer[] =>
  peer.events.map((event) => reader.bytesOf(event)).filter((bytes): bytes is Buffer => bytes !== undefined);

/** Waits until the peer holds `count` data messages (each read wakes it). */
const untilReceived = async (peer: RawPeer, count: number): Promise<void> => {
  let dataEvents = 0;
  while (dataEvents < count) {
    const event = await peer.next();
    if (event.kind === 'binary' || event.kind === 'compressed') dataEvents++;
  }
};

/** The kernel's write completions are reported on later turns of the event loop: wait a bounded number of them. */
const untilNothingBuffered = async (connection: Connection): Promise<void> => {
  for (let turn = 0; turn < 1_000 && connection.bufferedAmount > 0; turn++) await new Promise(setImmediate);
};

/** Sends until a message passes MAX_BUFFERED_BYTES, checks how many were accepted and the state the policy left, and returns them. */
const fillUntilOverflow = (connection: Connection, stateAfter: ReadyState): Buffer[] => {
  const sent: Buffer[] = [];
  for (;;) {
    const message = randomBytes(MESSAGE_BYTES);
    const wasFull = connection.bufferedAmount + FRAME_BYTES > MAX_BUFFERED_BYTES;
    connection.send(message);
    if (wasFull) break;
    sent.push(message);
  }
  expect(sent).toHaveLength(ACCEPTED_BEFORE_OVERFLOW);
  expect(connection.readyState).toBe(stateAfter);
  return sent;
};

const CONTRACTS: Contract[] = [
  {
    name: "send() answers true below the high-water mark, false from it on, and 'drain' follows",
    check: async (connection) => {
      const highWaterMark = 16 * 1024; // the socket's default
      const answers: boolean[] = [];
      for (let i = 0; i < 8; i++) {
        answers.push(connection.send(randomBytes(MESSAGE_BYTES)));
        expect(answers[i]).toBe(connection.bufferedAmount < highWaterMark);
      }
      expect(answers.indexOf(false)).toBe(Math.ceil(highWaterMark / FRAME_BYTES) - 1);
      await once(connection, 'drain');
      expect(connection.bufferedAmount).toBeLessThan(highWaterMark);
    },
  },
  {
    name: 'bufferedAmount is the sum of the frames sent at every step, then 0 once the peer has read them',
    check: async (connection, peer, _reader, frameBytes) => {
      for (let i = 1; i <= 10; i++) {
        connection.send(randomBytes(MESSAGE_BYTES));
        expect(connection.bufferedAmount).toBe(i * frameBytes);
      }
      peer.socket.resume();
      await untilReceived(peer, 10);
      await untilNothingBuffered(connection);
      expect(connection.bufferedAmount).toBe(0);
    },
  },
  {
    name: 'bufferedAmount is 0 after close, with messages still queued',
    check: async (connection, _peer, _reader, frameBytes) => {
      for (let i = 0; i < 10; i++) connection.send(randomBytes(MESSAGE_BYTES));
      expect(connection.bufferedAmount).toBe(10 * frameBytes);
      connection.terminate();
      await connection.closed;
      expect(connection.bufferedAmount).toBe(0);
    },
  },
  {
    name: "overflow policy 'close': the message past maxBufferedBytes closes 1008 after the ones accepted",
    options: { maxBufferedBytes: MAX_BUFFERED_BYTES, onBufferOverflow: 'close' },
    check: async (connection, peer, reader) => {
      const sent = fillUntilOverflow(connection, ReadyState.Closing);
      peer.socket.resume();
      expect(await peer.nextOf('close')).toEqual({ kind: 'close', code: 1008, reason: 'slow consumer' });
      expect(receivedBy(peer, reader)).toEqual(sent);
      peer.sendClose(1008);
      await peer.ended;
      peer.socket.end();
      expect(await connection.closed).toEqual({ code: 1008, reason: '', wasClean: true });
    },
  },
  {
    name: "overflow policy 'drop': the message past maxBufferedBytes is dropped, the connection stays open and sends again after 'drain'",
    options: { maxBufferedBytes: MAX_BUFFERED_BYTES, onBufferOverflow: 'drop' },
    check: async (connection, peer, reader, frameBytes) => {
      const sent = fillUntilOverflow(connection, ReadyState.Open);
      expect(connection.bufferedAmount).toBe(sent.length * frameBytes);
      const drained = once(connection, 'drain');
      peer.socket.resume();
      await drained;
      const after = randomBytes(MESSAGE_BYTES);
      connection.send(after);
      await untilReceived(peer, sent.length + 1);
      expect(receivedBy(peer, reader)).toEqual([...sent, after]);
    },
  },
];

const CELLS = DEFLATE_MODES.flatMap((mode) => CONTRACTS.map((contract) => ({ label: `${mode.name} × ${contract.name}`, mode, contract })));

describe('Connection: the backpressure contract', () => {
  const harness = useTransportHarness();

  const connect = async (mode: DeflateMode, options: Partial<ConnectionOptions> = {}): Promise<{ connection: Connection; peer: RawPeer }> => {
    const server = await harness.start({ routes: [{ path: '/ws', perMessageDeflate: mode.route, connection: options }] });
    const peer = await harness.rawPeer(server.port, '/ws', mode.offer);
    peer.socket.pause(); // a client that does not read, until a check says so
    return { connection: await server.nextConnection(), peer };
  };

  it('has 15 cells', () => expect(CELLS).toHaveLength(3 * 5));

  it.each(CELLS)('$label', async ({ mode, contract }) => {
    const { connection, peer } = await connect(mode, contract.options);
    await contract.check(connection, peer, new ServerMessageReader(mode), bufferedFrameBytes(mode));
  });
});
