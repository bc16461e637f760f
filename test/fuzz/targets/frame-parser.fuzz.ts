// Fuzz target: the server-role FrameParser (lib/protocol/frame-parser.ts), sans-I/O and synchronous.
//
// Input: byte 0 picks the options and the input mode, byte 1 seeds the random chunking, the rest
// is either the raw byte stream or (structured mode) a list of frame descriptions encoded here into
// well-formed masked frames, so the fuzzer reaches fragmentation, UTF-8 and close handling quickly.
//
// Invariants: push() never throws; every event is well formed; nothing follows a 'failed' or
// 'close' event, in the same push or later ones; the events are identical whether the bytes arrive
// whole, byte by byte or in random pieces.
import { FrameParser, FrameParserOptions } from '../../../lib/protocol/frame-parser';
import { InboundEvent } from '../../../lib/protocol/inbound-event';
import { ProtocolError } from '../../../lib/protocol/protocol-error';
import { invariant, mustNotThrow, seededRandom } from '../invariant';

const MAX_MESSAGE_BYTES = [0, 125, 1024, 70_000];
const MAX_FRAGMENTS = [undefined, 1, 3, 64];
const FAILURE_CLOSE_CODES = new Set([1002, 1007, 1008, 1009]);
const ERROR_CODES = new Set([
  'UNMASKED_FRAME', 'MASKED_FRAME', 'RESERVED_BITS', 'UNKNOWN_OPCODE', 'CONTROL_FRAME_INVALID', 'UNEXPECTED_CONTINUATION',
  'EXPECTED_CONTINUATION', 'LENGTH_TOO_LARGE', 'NON_MINIMAL_LENGTH', 'MESSAGE_TOO_BIG', 'TOO_MANY_FRAGMENTS', 'INVALID_UTF8', 'INVALID_CLOSE_PAYLOAD', 'INVALID_CLOSE_CODE',
]);
/** A lone surrogate is what a bad UTF-8 decoder would leave; paired ones are one code point under /u. */
const isWellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);
const isWireCloseCode = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

export function fuzz(data: Buffer): void {
  checkFrameParser(data, false);
}

export function checkFrameParser(data: Buffer, isDeflateNegotiated: boolean): void {
  if (data.length < 2) return;
  const mode = data[0];
  const options: FrameParserOptions = {
    role: 'server',
    maxMessageBytes: MAX_MESSAGE_BYTES[(mode >> 1) & 3],
    maxFragmentsPerMessage: MAX_FRAGMENTS[(mode >> 3) & 3],
    isDeflateNegotiated,
  };
  const bytes = mode & 1 ? framesFrom(data.subarray(2)) : data.subarray(2);
  const whole = parse(options, [bytes]);
  const random = parse(options, randomPieces(bytes, data[1]));
  sameEvents(whole, random, 'random pieces');
  if (bytes.length <= 2048) sameEvents(whole, parse(options, pieces(bytes, 1)), 'byte by byte');
}

/** Feeds the pieces in order (copies: push() unmasks in place) and checks each batch of events. */
function parse(options: FrameParserOptions, chunks: readonly Buffer[]): string[] {
  const parser = new FrameParser(options);
  const seen: string[] = [];
  let isFinished = false;
  for (const chunk of chunks) {
    const events = mustNotThrow('FrameParser.push', () => parser.push(Buffer.from(chunk)));
    if (isFinished) invariant(events.length === 0, () => `events after 'failed' or 'close': ${events.map(describe).join(' | ')}`);
    for (const event of events) {
      invariant(!isFinished, () => `event after 'failed' or 'close' in the same push: ${describe(event)}`);
      checkEvent(event, options);
      seen.push(describe(event));
      if (event.kind === 'failed' || event.kind === 'close') isFinished = true;
    }
    invariant(parser.isDone === isFinished, () => `isDone is ${parser.isDone} after ${seen.join(' | ')}`);
  }
  return seen;
}

function checkEvent(event: InboundEvent, options: FrameParserOptions): void {
  const limit = options.maxMessageBytes;
  switch (event.kind) {
    case 'text':
      invariant(Buffer.byteLength(event.text) <= limit, () => `text of ${Buffer.byteLength(event.text)} bytes past the limit ${limit}`);
      invariant(isWellFormed(event.text), () => 'text with a lone surrogate');
      return;
    case 'binary':
      invariant(event.data.length <= limit, () => `binary of ${event.data.length} bytes past the limit ${limit}`);
      return;
    case 'compressed':
      invariant(options.isDeflateNegotiated, () => "'compressed' without permessage-deflate");
      // Deflate can grow incompressible data only slightly; the parser allows some slack on the wire
      // (inflation is bounded by the real limit), but never twice the limit.
      invariant(event.data.length <= 2 * limit + 1024, () => `compressed message of ${event.data.length} bytes, over twice the limit ${limit}`);
      return;
    case 'ping':
    case 'pong':
      invariant(event.payload.length <= 125, () => `${event.kind} of ${event.payload.length} bytes`);
      return;
    case 'close':
      invariant(event.code === 1005 ? event.reason === '' : isWireCloseCode(event.code), () => `close code ${event.code} with reason ${JSON.stringify(event.reason)}`);
      invariant(Buffer.byteLength(event.reason) <= 123 && isWellFormed(event.reason), () => `close reason ${JSON.stringify(event.reason)}`);
      return;
    case 'failed':
      invariant(event.error instanceof ProtocolError, () => `failure that is not a ProtocolError: ${String(event.error)}`);
      invariant(FAILURE_CLOSE_CODES.has(event.error.closeCode), () => `failure with close code ${event.error.closeCode}`);
      invariant(ERROR_CODES.has(event.error.code) && event.error.message.length > 0, () => `failure ${event.error.code}: ${event.error.message}`);
      return;
  }
}

const hash = (bytes: Buffer): string => (bytes.length <= 16 ? bytes.toString('hex') : `${bytes.length}B:${bytes.subarray(0, 8).toString('hex')}…${bytes.subarray(-8).toString('hex')}`);

function describe(event: InboundEvent): string {
  switch (event.kind) {
    case 'text':
      return `text ${hash(Buffer.from(event.text))}`;
    case 'binary':
      return `binary ${hash(event.data)}`;
    case 'compressed':
      return `compressed ${event.isText} ${hash(event.data)}`;
    case 'ping':
    case 'pong':
      return `${event.kind} ${hash(event.payload)}`;
    case 'close':
      return `close ${event.code} ${JSON.stringify(event.reason)}`;
    case 'failed':
      return `failed ${event.error.closeCode} ${event.error.code} ${event.error.message}`;
  }
}

function sameEvents(expected: string[], actual: string[], chunking: string): void {
  invariant(expected.join('\n') === actual.join('\n'), () => `events differ when the bytes arrive in ${chunking}:\nwhole: ${expected.join(' | ')}\n${chunking}: ${actual.join(' | ')}`);
}

function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
}

function randomPieces(bytes: Buffer, seed: number): Buffer[] {
  const random = seededRandom(seed);
  const out: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const size = 1 + Math.floor(random() * Math.min(64, bytes.length - offset));
    out.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

/**
 * Structured mode: [header byte, length byte, mask seed, payload…] repeated. The header byte is
 * sent as is (FIN, RSV, opcode). Length byte: bit 7 leaves the frame unmasked; bit 6 repeats the
 * payload 64 times (so 16-bit lengths occur); bits 0–5 are the payload bytes taken from the input.
 */
function framesFrom(spec: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let offset = 0; offset + 3 <= spec.length; ) {
    const header = spec[offset];
    const lengthByte = spec[offset + 1];
    const maskSeed = spec[offset + 2];
    const taken = spec.subarray(offset + 3, offset + 3 + (lengthByte & 0x3f));
    offset += 3 + taken.length;
    const payload = lengthByte & 0x40 ? Buffer.concat(Array(64).fill(taken)) : taken;
    const isMasked = (lengthByte & 0x80) === 0;
    const maskKey = Buffer.from([maskSeed, maskSeed ^ 0x5a, maskSeed ^ 0xa5, (maskSeed + 1) & 0xff]);
    const length = payload.length;
    const head = length < 126 ? Buffer.from([header, length]) : Buffer.from([header, 126, length >> 8, length & 0xff]);
    if (isMasked) head[1] |= 0x80;
    const body = Buffer.from(payload);
    if (isMasked) for (let i = 0; i < body.length; i++) body[i] ^= maskKey[i & 3];
    frames.push(head, isMasked ? maskKey : Buffer.alloc(0), body);
  }
  return Buffer.concat(frames);
}
