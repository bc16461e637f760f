import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, deflateRawSync } from 'node:zlib';
import { encodeClose, encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { InboundEvent } from '../../../lib/protocol/inbound-event';
import { CloseEvent, Connection, ConnectionOptions, ReadyState } from '../../../lib/transport/connection';
import { zlibPool } from '../../../lib/transport/deflate/zlib-pool';
import { newTrafficCounters } from '../../../lib/transport/traffic-counters';
import { ContextInflater, inflateMessage } from '../../helpers/deflate-client';
import { deflateParams } from '../../helpers/deflate-params';
import { compressedTextFrame } from '../../helpers/deflate-peer';
import { RecordingDuplex } from '../../helpers/recording-duplex';
import { retainedBytes } from '../../helpers/retained-memory';

const KiB = 1024;
// Hang guard, not a timing bound: tens of thousands of inflate jobs on zlib's thread pool take
// seconds when the machine is busy (9,362 empty messages timed out at Jest's 5 s default in CI).
jest.setTimeout(60_000);
/** Tiny messages sent after each compressible one, while it waits for zlib. */
const TINY_PER_ROUND = 40_000;
const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };
const MODES = [
  { name: 'context takeover', params: deflateParams(true, { level: 1 }) },
  { name: 'no context takeover', params: deflateParams(false, { level: 1 }) },
];

/** A masked message frame with RSV1 set (RFC 7692 §6) around `payload` as it is. */
const maskedCompressed = (payload: Buffer, opcode = Opcode.Binary): Buffer => encodeFrame(payload, { opcode, rsv1: true, maskKey: randomBytes(4) });
/** `data` compressed on its own (§7.2.1), in one masked frame. */
const compressedFrame = (data: Buffer, opcode: Opcode): Buffer => {
  const compressed = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
  return maskedCompressed(compressed.subarray(0, compressed.length - 4), opcode);
};

/** The server's frames, as a client reads them. */
const framesOf = (bytes: Buffer): readonly InboundEvent[] =>
  new FrameParser({ role: 'client', maxMessageBytes: 64 << 20, isDeflateNegotiated: true }).push(bytes);

/** Until the connection has answered the peer's close and ended the socket (FIN after the last frame). */
const closeFromPeer = async (socket: RecordingDuplex, connection: Connection): Promise<CloseEvent> => {
  const finished = once(socket, 'finish');
  const closed = connection.closed;
  socket.push(encodeClose(1000, '', randomBytes(4)));
  await finished;
  socket.destroy();
  return closed;
};

/**
 * permessage-deflate keeps messages in order with a queue per direction (a message waits for the
 * zlib work before it). Those queues must cost about their bytes, as the send backlog does: a flood
 * of tiny messages queued as one object each is the tiny-frame flood again (STYLE.md §10).
 */
describe.each(MODES)('Connection with permessage-deflate ($name): what waits for zlib', ({ params }) => {
  let socket: RecordingDuplex;

  beforeEach(() => (socket = new RecordingDuplex()));
  afterEach(() => socket.destroy());

  it('copies tiny messages sent behind compressions together: 3 × 40,000 of them hold less than 4 MiB, and leave whole and in order', async () => {
    const connection = new Connection(socket, { ...OPTIONS, deflate: params });
    connection.open();
    const texts = [0, 1, 2].map(() => randomBytes(48 * KiB).toString('base64'));
    const before = retainedBytes();

    for (const text of texts) {
      connection.send(text);
      for (let i = 0; i < TINY_PER_ROUND; i++) connection.send(Buffer.of(i & 0xff));
    }
    const grown = retainedBytes() - before;

    expect(grown).toBeLessThan(4 * KiB * KiB);
    await expect(closeFromPeer(socket, connection)).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
    const events = framesOf(socket.written);
    expect(events).toHaveLength(texts.length * (TINY_PER_ROUND + 1) + 1);
    const inflater = new ContextInflater();
    const inflate = params.serverNoContextTakeover ? inflateMessage : (payload: Buffer): Buffer => inflater.inflate(payload);
    texts.forEach((text, round) => {
      const [compressed, ...tiny] = events.slice(round * (TINY_PER_ROUND + 1), (round + 1) * (TINY_PER_ROUND + 1));
      expect(compressed.kind === 'compressed' && inflate(compressed.data).toString()).toBe(text);
      expect(tiny.every((event, i) => event.kind === 'binary' && event.data.length === 1 && event.data[0] === (i & 0xff))).toBe(true);
    });
    expect(events.at(-1)).toEqual({ kind: 'close', code: 1000, reason: '' });
    expect(connection.bufferedAmount).toBe(0);
  });

  // Each limit hit by the message after a full inflate backlog (16 waiting): those before it are
  // delivered, the connection fails with the limit's code, and the socket is read again, so the
  // peer's answer to our close frame is not left unread.
  it.each([
    { name: 'a message that inflates past maxMessageBytes', code: 1009, frame: () => compressedFrame(Buffer.alloc(2 << 20), Opcode.Binary) },
    { name: 'data that is not DEFLATE', code: 1007, frame: () => maskedCompressed(Buffer.of(0xff, 0xff, 0xff, 0xff)) },
    { name: 'text that is not UTF-8', code: 1007, frame: () => compressedFrame(Buffer.of(0xc3, 0x28), Opcode.Text) },
  ])('fails on $name between 16 waiting messages and 16 more, delivers the 16 before it, and still reads the peer’s close', async ({ code, frame }) => {
    const connection = new Connection(socket, { ...OPTIONS, deflate: params });
    const texts = Array.from({ length: 16 }, (_, i) => `before ${i}`);
    const received: string[] = [];
    connection.on('message', (message) => received.push(String(message)));
    connection.open();
    const finished = once(socket, 'finish');

    socket.push(Buffer.concat([...texts.map((text) => compressedTextFrame(text)), frame(), ...texts.map((text) => compressedTextFrame(`after ${text}`))]));
    await finished;
    const closing = framesOf(socket.written).at(-1);
    socket.push(encodeClose(1000, '', randomBytes(4)));
    socket.push(null);

    await expect(connection.closed).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
    expect(received).toEqual(texts);
    expect(closing).toMatchObject({ kind: 'close', code });
  });

  // A read is parsed no further than the inflate backlog allows: all of a read's messages queued
  // at once cost about 250 B each, 35 times the read (2.3 MiB for one 64 KiB read of 7-byte frames).
  it('holds less than 512 KiB for one 64 KiB read of 9,362 empty compressed messages, and delivers them all', async () => {
    const frame = compressedTextFrame('');
    const read = Buffer.concat(Array.from({ length: Math.floor((64 * KiB) / frame.length) }, () => frame));
    const count = read.length / frame.length;
    const connection = new Connection(socket, { ...OPTIONS, deflate: params });
    let delivered = 0;
    let nonEmpty = 0;
    let grown = Infinity;
    const before = retainedBytes();

    await new Promise<void>((resolve) => {
      connection.on('message', (message) => {
        if (message !== '') nonEmpty++;
        if (++delivered === 1) grown = retainedBytes() - before;
        if (delivered === count) resolve();
      });
      connection.open();
      socket.push(read);
    });

    expect(count).toBe(9_362);
    expect(nonEmpty).toBe(0);
    expect(grown).toBeLessThan(512 * KiB);
    await expect(closeFromPeer(socket, connection)).resolves.toEqual({ code: 1000, reason: '', wasClean: true });
  });

  describe('one read of 5,000 tiny compressed messages', () => {
    const COUNT = 5_000;
    const texts = Array.from({ length: COUNT }, (_, i) => `m${i}`);
    const burst = Buffer.concat(texts.map((text) => compressedTextFrame(text)));

    /** Delivers the burst; `atFirst` runs in the first 'message' listener call. */
    const receive = (connection: Connection, atFirst: () => void = () => undefined): Promise<string[]> => {
      const received: string[] = [];
      return new Promise((resolve) => {
        connection.on('message', (message) => {
          if (received.push(String(message)) === 1) atFirst();
          if (received.length === COUNT) resolve(received);
        });
        connection.open();
        socket.push(Buffer.from(burst)); // a copy: the server unmasks what it reads in place
      });
    };

    it('is delivered whole and in order before a FIN read after it', async () => {
      expect(burst.length).toBeLessThan(64 * KiB); // one read of a socket
      const connection = new Connection(socket, { ...OPTIONS, deflate: params });
      const finished = once(socket, 'finish');

      const received = await receive(connection, () => socket.push(null));

      expect(received).toEqual(texts);
      await finished; // our half ends after the peer's
      socket.destroy();
      await expect(connection.closed).resolves.toEqual({ code: 1006, reason: '', wasClean: false });
    });

    it('is delivered whole and in order when the socket closes after it was read', async () => {
      const connection = new Connection(socket, { ...OPTIONS, deflate: params });
      const events: string[] = [];
      connection.on('close', (event) => events.push(`close ${event.code}`));

      const received = await receive(connection, () => socket.destroy());

      expect(received).toEqual(texts);
      await connection.closed;
      expect(events).toEqual(['close 1006']);
    });
  });
});

/**
 * §7.1.7: a connection that fails reads nothing more from the peer while its close frame waits
 * behind the compressions accepted before it. Read and discarded, a flood went on at full speed:
 * a peer pipelining 512 KiB messages had all 150 MiB taken before the 1008 left (deflate-bomb.spec.ts).
 */
describe.each(MODES)('Connection with permessage-deflate ($name): failing behind compressions', ({ params }) => {
  let socket: RecordingDuplex;
  /** Holds every slot of the process-wide zlib pool, so the compression waits until release. */
  let releasePool: () => void;

  beforeEach(() => {
    socket = new RecordingDuplex();
    const gate = new Promise<void>((resolve) => (releasePool = resolve));
    for (let i = 0; i < 4; i++) void zlibPool.run(() => gate);
  });
  afterEach(() => {
    releasePool();
    socket.destroy();
  });

  it('reads nothing the peer sends until its 1008 has left, then reads its close frame', async () => {
    const counters = newTrafficCounters();
    const connection = new Connection(socket, { ...OPTIONS, maxBufferedBytes: 64 * KiB, counters, deflate: params });
    connection.open();
    connection.send(randomBytes(48 * KiB)); // waits for zlib, counted at 48 KiB
    connection.send(randomBytes(48 * KiB)); // past maxBufferedBytes: 1008, behind the first
    expect(connection.readyState).toBe(ReadyState.Closing);

    const flood = compressedFrame(randomBytes(16 * KiB), Opcode.Binary);
    for (let i = 0; i < 64; i++) socket.push(Buffer.from(flood));
    await new Promise(setImmediate); // a turn for the socket's 'data' events, were it read
    expect(counters.bytesIn).toBe(0);

    const finished = once(socket, 'finish');
    releasePool();
    await finished; // the compressed message, our close frame, then FIN
    expect(framesOf(socket.written).map((event) => event.kind)).toEqual(['compressed', 'close']);
    const closed = connection.closed;
    socket.push(encodeClose(1008, '', randomBytes(4)));
    socket.push(null);
    await expect(closed).resolves.toEqual({ code: 1008, reason: '', wasClean: true });
    expect(counters.bytesIn).toBeGreaterThan(64 * flood.length);
  });
});
