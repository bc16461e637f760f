import { once } from 'node:events';
import { SECURITY_LIMITS, SECURITY_PATHS } from '../fixtures/security/security-gateways';
import { AttackSocket } from '../helpers/attack-socket';
import { AttackRun, MiB } from '../helpers/attack-run';
import { EnvelopeMember } from '../helpers/envelope-member';
import { OP, encodeFrame, encodeHeader, hex } from '../helpers/raw-frames';
import { SecurityServer, startSecurityServer } from '../helpers/security-server';

// Floods that cost the server work or memory per byte: a message in one-byte TCP segments, pings
// from a client that never reads the pongs, and a room member that stops reading while the room
// is busy. Each checks what the attacker got, a fresh client served during and after, and the
// server's memory in its own process.

jest.setTimeout(90_000);

const KiB = 1024;
const MASK_KEY = hex('5a 11 c3 07');
const LIMIT = SECURITY_LIMITS.maxMessageBytes;

/** Writes `bytes` and waits for the socket to take more when its buffer is full. */
const writeWithBackpressure = async (attacker: AttackSocket, bytes: Buffer): Promise<void> => {
  if (!attacker.isWritable) return;
  if (!attacker.socket.write(bytes)) await Promise.race([once(attacker.socket, 'drain'), once(attacker.socket, 'close')]);
};

const isIncreasing = (seqs: readonly number[]): boolean => seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]);

describe('floods against the security app in a child process', () => {
  let server: SecurityServer;

  beforeAll(async () => {
    server = await startSecurityServer('attack');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('holds 32 half-sent 64 KiB messages that arrived in one-byte TCP segments in bounded memory, then echoes them whole', async () => {
    const CONNECTIONS = 32;
    const TRICKLED_BYTES = 8 * KiB;
    const run = await AttackRun.start(server, 'messages in one-byte TCP segments', { path: SECURITY_PATHS.echo });
    const attackers = await Promise.all(Array.from({ length: CONNECTIONS }, () => AttackSocket.open(server.port, { path: SECURITY_PATHS.echo })));
    const payloads = attackers.map((_, i) => Buffer.alloc(LIMIT, 0x41 + i));
    // One frame per connection, masked by hand so it can be cut anywhere.
    const frames = payloads.map((payload) => encodeFrame({ opcode: OP.binary, payload, maskKey: MASK_KEY }));
    const headerBytes = frames[0].length - LIMIT;

    // One byte per connection per turn of the event loop: each write is its own segment (Nagle is off),
    // and with 32 sockets interleaved the server reads a few bytes from each at a time.
    for (let offset = 0; offset < headerBytes + TRICKLED_BYTES; offset++) {
      for (let i = 0; i < CONNECTIONS; i++) attackers[i].socket.write(frames[i].subarray(offset, offset + 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await run.probeDuring();
    const pending = await server.memory();
    await Promise.all(attackers.map((attacker, i) => attacker.write(frames[i].subarray(headerBytes + TRICKLED_BYTES))));
    const echoes = await Promise.all(attackers.map((attacker) => attacker.reader.frame(10_000)));

    expect(echoes.map((echo, i) => echo.opcode === OP.binary && echo.payload.equals(payloads[i]))).toEqual(Array(CONNECTIONS).fill(true));
    for (const attacker of attackers) attacker.destroy();
    await run.finish({
      answer: `all ${CONNECTIONS} messages echoed byte for byte after ${TRICKLED_BYTES / KiB} KiB of each came one byte per segment (${CONNECTIONS * (headerBytes + TRICKLED_BYTES)} writes)`,
      boundBytes: 16 * MiB,
      notes: `while the ${CONNECTIONS} messages were half-sent: RSS +${((pending.rss - run.base.rss) / MiB).toFixed(2)} MiB, heap +${((pending.heapUsed - run.base.heapUsed) / MiB).toFixed(2)} MiB`,
    });
  });

  it('keeps its memory bounded under 4 ping floods of 200,000 pings (105 MB in all) from clients that never read, and still serves them afterwards', async () => {
    const FLOODERS = 4;
    const PINGS = 200_000;
    const BATCH = 1000;
    const run = await AttackRun.start(server, 'ping flood, client never reads', { path: SECURITY_PATHS.echo });
    const flooders = await Promise.all(Array.from({ length: FLOODERS }, () => AttackSocket.open(server.port, { path: SECURITY_PATHS.echo })));
    const batch = Buffer.concat(Array.from({ length: BATCH }, () => encodeFrame({ opcode: OP.ping, payload: Buffer.alloc(125, 0x70), maskKey: MASK_KEY })));

    for (const flooder of flooders) flooder.pauseReading();
    let during: Promise<number> | undefined;
    await Promise.all(
      flooders.map(async (flooder, f) => {
        for (let sent = 0; sent < PINGS && flooder.isWritable; sent += BATCH) {
          await writeWithBackpressure(flooder, batch);
          if (f === 0 && sent === PINGS / 2) during = run.probeDuring();
        }
      }),
    );
    await during;
    const flooded = await server.memory();

    // Reading again: the pongs that were not skipped arrive, then the echo of a message sent now.
    const pongs = await Promise.all(
      flooders.map(async (flooder) => {
        flooder.resumeReading();
        await flooder.write(encodeFrame({ opcode: OP.text, payload: 'still there?' }));
        let count = 0;
        for (;;) {
          const frame = await flooder.reader.frame(10_000);
          if (frame.opcode === OP.pong) count++;
          else {
            expect({ opcode: frame.opcode, text: frame.payload.toString() }).toEqual({ opcode: OP.text, text: 'still there?' });
            break;
          }
        }
        flooder.destroy();
        return count;
      }),
    );
    await run.finish({
      answer: `connections stay open; ${pongs.join('/')} of ${PINGS} pings answered (the rest skipped once 64 KiB of pongs were queued), then the echo`,
      // What was read is garbage at once, but V8 frees socket buffers at its own external-memory
      // thresholds: the peak is that lag (25–36 MiB whether the flood is 26 or 105 MB), not the flood.
      boundBytes: 64 * MiB,
      heldBoundBytes: 2 * MiB,
      notes: `right after the flood: RSS +${((flooded.rss - run.base.rss) / MiB).toFixed(2)} MiB, heap +${((flooded.heapUsed - run.base.heapUsed) / MiB).toFixed(2)} MiB`,
    });
    expect(Math.max(...pongs)).toBeLessThan(PINGS);
  });

  const ROOM_MESSAGES = 400;
  const PAYLOAD = 'x'.repeat(48 * KiB);
  const GOOD_MEMBERS = 3;

  /**
   * A room of GOOD_MEMBERS readers and one member that stops reading; a publisher broadcasts
   * ROOM_MESSAGES of 48 KiB (19 MiB per member) while keeping at most 4 unread by the good members,
   * so only the slow one falls behind. Returns the members once every good one has everything.
   */
  const busyRoom = async (path: string, run: AttackRun): Promise<{ good: EnvelopeMember[]; slow: EnvelopeMember; publisher: EnvelopeMember }> => {
    const room = `room-${path}`;
    const good = await Promise.all(Array.from({ length: GOOD_MEMBERS }, () => EnvelopeMember.open(server.port, path)));
    const slow = await EnvelopeMember.open(server.port, path);
    const publisher = await EnvelopeMember.open(server.port, path);
    for (const member of [...good, slow]) expect((await member.join(room)).data).toBe(room);
    slow.stopReading();

    for (let seq = 0; seq < ROOM_MESSAGES; seq++) {
      await Promise.all(good.map((member) => member.receivedAtLeast(seq - 4, 10_000)));
      await publisher.send({ event: 'broadcast', data: { room, payload: { seq, text: PAYLOAD } } });
      if (seq === ROOM_MESSAGES / 2) await run.probeDuring({ mode: 'envelope' });
    }
    await Promise.all(good.map((member) => member.receivedAtLeast(ROOM_MESSAGES, 10_000)));
    return { good, slow, publisher };
  };

  it(`closes a member that stops reading during a busy broadcast with 1008 once ${SECURITY_LIMITS.maxBufferedBytes / KiB} KiB are queued for it; the others get every message`, async () => {
    const run = await AttackRun.start(server, 'slow consumer under broadcast (close)', { path: SECURITY_PATHS.events, mode: 'envelope' });
    const { good, slow, publisher } = await busyRoom(SECURITY_PATHS.events, run);

    slow.resumeReading();
    await slow.closed(10_000);

    expect(good.map((member) => member.received.length === ROOM_MESSAGES && isIncreasing(member.received))).toEqual(Array(GOOD_MEMBERS).fill(true));
    // What the slow member got is the start of the sequence, then the 1008.
    expect({ closeCode: slow.closeCode, isPrefix: slow.received.every((seq, i) => seq === i), isShort: slow.received.length < ROOM_MESSAGES }).toEqual({
      closeCode: 1008,
      isPrefix: true,
      isShort: true,
    });
    for (const member of [...good, publisher]) member.destroy();
    await run.finish({
      answer: `close 1008 after ${slow.received.length} of ${ROOM_MESSAGES} messages, then TCP close; ${GOOD_MEMBERS} readers got all ${ROOM_MESSAGES} in order`,
      boundBytes: 32 * MiB,
    });
  });

  it('drops what does not fit for a member that stops reading when the gateway says drop; it stays open and the others get every message', async () => {
    const run = await AttackRun.start(server, 'slow consumer under broadcast (drop)', { path: SECURITY_PATHS.eventsDrop, mode: 'envelope' });
    const { good, slow, publisher } = await busyRoom(SECURITY_PATHS.eventsDrop, run);

    slow.resumeReading();
    // The reply to a request sent now comes after everything still queued for it.
    expect((await slow.request('echo', 'after the flood', 10_000)).data).toBe('after the flood');

    expect(good.map((member) => member.received.length === ROOM_MESSAGES && isIncreasing(member.received))).toEqual(Array(GOOD_MEMBERS).fill(true));
    expect({ closeCode: slow.closeCode, isIncreasing: isIncreasing(slow.received), isShort: slow.received.length < ROOM_MESSAGES }).toEqual({
      closeCode: undefined,
      isIncreasing: true,
      isShort: true,
    });
    for (const member of [...good, slow, publisher]) member.destroy();
    await run.finish({
      answer: `stays open; got ${slow.received.length} of ${ROOM_MESSAGES} messages in order (the rest dropped), then its echo; ${GOOD_MEMBERS} readers got all ${ROOM_MESSAGES}`,
      boundBytes: 32 * MiB,
    });
  });

  it('closes a frame that announces more than the limit even when its header arrives one byte per segment', async () => {
    const attacker = await AttackSocket.open(server.port, { path: SECURITY_PATHS.echo });
    await attacker.writeInPieces(encodeHeader({ opcode: OP.binary }, BigInt(LIMIT + 1), MASK_KEY), 1);
    expect(await attacker.reader.closeCode()).toBe(1009);
    await attacker.reader.tcpClosed();
    attacker.destroy();
  });
});
