import { FrameParser, FrameParserOptions } from '../../lib/protocol/frame-parser';
import { InboundEvent } from '../../lib/protocol/inbound-event';
import { Opcode } from '../../lib/protocol/opcode';
import { ProtocolError, ProtocolErrorCode } from '../../lib/protocol/protocol-error';
import { forEachChunking } from './chunking';
import { maskedFrame, unmaskedFrame } from './frames';

export const SERVER: FrameParserOptions = { role: 'server', maxMessageBytes: 1 << 20 };
export const CLIENT: FrameParserOptions = { role: 'client', maxMessageBytes: 1 << 20 };

/** An event as plain data, so runs over different chunkings can be compared with toEqual. */
export type EventSummary =
  | { kind: 'text'; text: string }
  | { kind: 'binary' | 'ping' | 'pong'; hex: string }
  | { kind: 'compressed'; isText: boolean; hex: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'failed'; errorClass: string; code: string; closeCode: number; message: string };

export function summarize(event: InboundEvent): EventSummary {
  switch (event.kind) {
    case 'text':
      return { kind: 'text', text: event.text };
    case 'binary':
      return { kind: 'binary', hex: event.data.toString('hex') };
    case 'ping':
    case 'pong':
      return { kind: event.kind, hex: event.payload.toString('hex') };
    case 'compressed':
      return { kind: 'compressed', isText: event.isText, hex: event.data.toString('hex') };
    case 'close':
      return { kind: 'close', code: event.code, reason: event.reason };
    case 'failed':
      return {
        kind: 'failed',
        errorClass: event.error.constructor.name,
        code: event.error.code,
        closeCode: event.error.closeCode,
        message: event.error.message,
      };
  }
}

export interface ParseRun {
  parser: FrameParser;
  events: InboundEvent[];
  /** For each event, the index of the push() that returned it. */
  pushIndexes: number[];
}

/** Pushes the chunks one by one and collects what every push() returned. */
export function parseChunks(chunks: readonly Buffer[], options: FrameParserOptions = SERVER): ParseRun {
  const parser = new FrameParser(options);
  const events: InboundEvent[] = [];
  const pushIndexes: number[] = [];
  chunks.forEach((chunk, index) => {
    for (const event of parser.push(chunk)) {
      events.push(event);
      pushIndexes.push(index);
    }
  });
  return { parser, events, pushIndexes };
}

/**
 * Parses `bytes` under every chunking of forEachChunking and asserts each gives the same
 * events; returns those of the whole-buffer run. It also checks that nothing follows a failure
 * or a close, and that a finished parser ignores whatever is pushed next.
 */
export function parseEveryWay(bytes: Buffer, options: FrameParserOptions = SERVER): InboundEvent[] {
  let expected: InboundEvent[] | undefined;
  forEachChunking(bytes, (chunks) => {
    const { parser, events } = parseChunks(chunks, options);
    expectNothingAfterTheEnd(parser, events, options);
    if (expected === undefined) expected = events;
    else expect(events.map(summarize)).toEqual(expected.map(summarize));
  });
  return expected ?? [];
}

function expectNothingAfterTheEnd(parser: FrameParser, events: InboundEvent[], options: FrameParserOptions): void {
  const end = events.findIndex((event) => event.kind === 'failed' || event.kind === 'close');
  if (end === -1) {
    expect(parser.isDone).toBe(false);
    return;
  }
  expect(events.length).toBe(end + 1);
  expect(parser.isDone).toBe(true);
  const more = options.role === 'server' ? maskedFrame(Opcode.Text, 'more') : unmaskedFrame(Opcode.Text, 'more');
  expect(parser.push(more)).toEqual([]);
}

export interface ExpectedFailure {
  code: ProtocolErrorCode;
  closeCode: number;
  message: string;
}

/** The last event is a failure with this ProtocolError: class, code, closeCode and message together. */
export function expectFailure(events: readonly InboundEvent[], expected: ExpectedFailure): ProtocolError {
  const last = events[events.length - 1];
  expect(last?.kind).toBe('failed');
  const error = (last as Extract<InboundEvent, { kind: 'failed' }>).error;
  expect(error).toBeInstanceOf(ProtocolError);
  expect({ code: error.code, closeCode: error.closeCode, message: error.message }).toEqual(expected);
  return error;
}
