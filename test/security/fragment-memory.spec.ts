import { FrameParser } from '../../lib/protocol/frame-parser';
import { maskedFrame } from '../helpers/frames';
import { retainedBytes } from '../helpers/retained-memory';

const KiB = 1024;
const MiB = 1024 * KiB;
const READ_CHUNK_BYTES = 64 * KiB; // what Node hands over per socket read at most
const CHUNKS = 256;

/** Control frames a peer may put between fragments (§5.4): unsolicited pongs are ignored, pings answered. */
const PADS = { 'unsolicited pongs': 0xa, pings: 0x9 } as const;

/**
 * Each read chunk carries one data fragment and is filled up with control frames. A fragment kept as a
 * view of its chunk holds the whole chunk until the message ends: 1 KiB counted against maxMessageBytes,
 * 64 KiB held (CHUNKS of them: 16 MiB for a 256 KiB message). Each held piece must cost about its own bytes.
 */
describe('a fragmented message whose fragments each arrive in a read chunk filled with control frames', () => {
  describe.each(Object.entries(PADS))('padded with %s', (_pad, padOpcode) => {
    it.each([
      [1 * KiB, false],
      [4 * KiB, false],
      [1 * KiB, true],
      [4 * KiB, true],
    ])('holds at most twice the %i-byte fragments counted (deflate negotiated: %s), not their chunks', (fragmentBytes, isDeflateNegotiated) => {
      const parser = new FrameParser({ role: 'server', maxMessageBytes: 16 * MiB, maxFragmentsPerMessage: 16_384, isDeflateNegotiated });
      const controlFrame = maskedFrame(padOpcode, Buffer.alloc(125, 0x2e));
      const padFrames = Math.floor((READ_CHUNK_BYTES - fragmentBytes - 14) / controlFrame.length);
      const chunkOf = (fragment: Buffer): Buffer => Buffer.concat([fragment, ...Array<Buffer>(padFrames).fill(controlFrame)]);
      const payload = Buffer.alloc(fragmentBytes, 0x61);
      const before = retainedBytes();

      parser.push(chunkOf(maskedFrame(0x2, payload, { fin: false, rsv1: isDeflateNegotiated })));
      for (let i = 1; i < CHUNKS; i++) parser.push(chunkOf(maskedFrame(0x0, payload, { fin: false })));
      const held = retainedBytes() - before;
      const messages = parser.push(maskedFrame(0x0, payload, { fin: true })).flatMap((event) => (event.kind === 'binary' || event.kind === 'compressed' ? [event.data] : []));

      expect(held).toBeLessThan(2 * CHUNKS * fragmentBytes + 2 * MiB);
      expect(messages.map((data) => data.equals(Buffer.alloc((CHUNKS + 1) * fragmentBytes, 0x61)))).toEqual([true]);
    });
  });
});

/**
 * The other end of the scale: a peer that sends a message's payload a byte per read, on many
 * connections, and stalls. Small pieces are gathered in a scratch buffer (message-assembler.ts);
 * a 16 KiB scratch taken for the second byte held 8000 times what was sent, on each connection.
 */
describe('a message in progress whose payload arrives a byte per read', () => {
  const PARSERS = 1000;
  const KIND = {
    'single-frame binary (kept masked)': { opcode: 0x2, bits: {} },
    'single-frame compressed (kept masked)': { opcode: 0x2, bits: { rsv1: true } },
    'a first binary fragment': { opcode: 0x2, bits: { fin: false } },
    'single-frame text': { opcode: 0x1, bits: {} },
  } as const;

  it.each(Object.entries(KIND))('holds about what was sent, not a scratch buffer per connection: %s', (_kind, { opcode, bits }) => {
    const frame = maskedFrame(opcode, Buffer.alloc(64 * KiB, 0x61), bits);
    const headerBytes = 2 + 8 + 4; // §5.2 64-bit length, mask key
    const parsers = Array.from({ length: PARSERS }, () => new FrameParser({ role: 'server', maxMessageBytes: 1 * MiB, isDeflateNegotiated: true }));
    for (const parser of parsers) parser.push(Buffer.from(frame.subarray(0, headerBytes + 1)));
    const before = retainedBytes();

    for (let at = headerBytes + 1; at < headerBytes + 4; at++) {
      for (const parser of parsers) expect(parser.push(Buffer.from(frame.subarray(at, at + 1)))).toEqual([]);
    }
    const heldPerParser = (retainedBytes() - before) / PARSERS;

    expect(heldPerParser).toBeLessThan(2 * KiB); // three bytes sent; a 16 KiB scratch each before
  });
});
