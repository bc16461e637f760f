import { randomBytes } from 'node:crypto';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { Opcode } from '../../../lib/protocol/opcode';
import { seededRandom, splitAt } from '../../helpers/chunking';
import { maskedFrame, pattern } from '../../helpers/frames';
import { EventSummary, summarize } from '../../helpers/parse';

const LENGTHS = [1, 2, 3, 4, 5, 63, 64, 65, 127, 1000, 1023, 1024, 1025, 4095, 4096, 5000, 16_385, 70_000];

function streamOf(random: () => number, isDeflateNegotiated: boolean): Buffer {
  const frames: Buffer[] = [];
  for (let i = 0; i < 12; i++) {
    const length = LENGTHS[Math.floor(random() * LENGTHS.length)];
    const key = randomBytes(4);
    const kind = Math.floor(random() * 5);
    if (kind === 0) frames.push(maskedFrame(Opcode.Binary, pattern(length), {}, key));
    else if (kind === 1 && isDeflateNegotiated) frames.push(maskedFrame(Opcode.Text, pattern(length), { rsv1: true }, key));
    else if (kind === 1) frames.push(maskedFrame(Opcode.Binary, pattern(length), {}, key));
    else if (kind === 2) frames.push(maskedFrame(Opcode.Ping, pattern(Math.min(length, 125)), {}, key));
    else if (kind === 3) frames.push(maskedFrame(Opcode.Text, 'é'.repeat(length), {}, key));
    else {
      frames.push(maskedFrame(Opcode.Binary, pattern(length), { fin: false }, key));
      frames.push(maskedFrame(Opcode.Pong, pattern(3), {}, key));
      frames.push(maskedFrame(Opcode.Continuation, pattern(length), { fin: true }, key));
    }
  }
  return Buffer.concat(frames);
}

function parse(chunks: Buffer[], isDeflateNegotiated: boolean): EventSummary[] {
  const parser = new FrameParser({ role: 'server', maxMessageBytes: 1 << 20, isDeflateNegotiated });
  // Summarized after the last push: a message kept by its handler must not change with later reads.
  return chunks.flatMap((chunk) => parser.push(chunk)).map(summarize);
}

describe('FrameParser: kept-masked frames among others, at random multi-cut chunkings', () => {
  it.each([false, true])('every chunking yields the events of the whole stream (deflate negotiated: %s)', (isDeflateNegotiated) => {
    for (let seed = 0; seed < 40; seed++) {
      const random = seededRandom(seed);
      const stream = streamOf(random, isDeflateNegotiated);
      const expected = parse([Buffer.from(stream)], isDeflateNegotiated);
      for (let run = 0; run < 10; run++) {
        const cuts = Array.from({ length: 1 + Math.floor(random() * 60) }, () => Math.floor(random() * stream.length));
        expect(parse(splitAt(stream, cuts), isDeflateNegotiated)).toEqual(expected);
      }
    }
  });
});

describe('FrameParser: the size limit of a kept-masked frame, read from its header', () => {
  const maxMessageBytes = 64 * 1024;
  /** A compressed message may be larger on the wire than inflated (message-assembler.ts): its limit. */
  const maxCompressedBytes = maxMessageBytes + (maxMessageBytes >>> 6) + 1024;

  it.each([
    ['binary', false, maxMessageBytes],
    ['compressed', true, maxCompressedBytes],
  ])('accepts a %s frame that declares its limit, and refuses one byte more with 1009 before any payload', (_kind, isCompressed, limit) => {
    const headerOf = (length: number): Buffer => maskedFrame(Opcode.Binary, Buffer.alloc(length), { rsv1: isCompressed }).subarray(0, 2 + 8 + 4);
    const accepted = new FrameParser({ role: 'server', maxMessageBytes, isDeflateNegotiated: true });
    const refused = new FrameParser({ role: 'server', maxMessageBytes, isDeflateNegotiated: true });

    expect(accepted.push(headerOf(limit))).toEqual([]);
    expect(accepted.push(Buffer.alloc(limit / 2 + 1)).length).toBe(0); // past half: its payload buffer is taken
    expect(refused.push(headerOf(limit + 1)).map(summarize)).toEqual([expect.objectContaining({ kind: 'failed', code: 'MESSAGE_TOO_BIG', closeCode: 1009 })]);
  });
});
