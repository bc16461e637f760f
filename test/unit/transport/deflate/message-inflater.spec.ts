import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../../../lib/protocol/protocol-error';
import { MessageInflater } from '../../../../lib/transport/deflate/message-inflater';
import { ZLIB_ON_LOOP_MAX_BYTES } from '../../../../lib/transport/deflate/zlib-pool';
import { deflateMessage } from '../../../helpers/deflate-client';
import { deflateParams } from '../../../helpers/deflate-params';

const NO_TAKEOVER = deflateParams(false);
const failureOf = (run: () => unknown): Pick<ProtocolError, 'closeCode' | 'code' | 'message'> | undefined => {
  try {
    run();
  } catch (error) {
    const { closeCode, code, message } = error as ProtocolError;
    return { closeCode, code, message };
  }
  return undefined;
};

describe('MessageInflater.inflateNow: a small message inflated at once, on the event loop', () => {
  it.each([0, 1, 4096, ZLIB_ON_LOOP_MAX_BYTES])('delivers text of %i B decoded, and binary as it is', (size) => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1 << 20);
    const text = 'é'.repeat(size >> 1) + 'x'.repeat(size & 1);

    const binary = inflater.inflateNow(deflateMessage(text), false) as Buffer;

    expect(inflater.inflateNow(deflateMessage(text), true)).toBe(text);
    expect(binary.toString()).toBe(text);
  });

  // zlib's output buffer was never cleared past the message: a handler reading `.buffer` must not see what was there before.
  it('hands out a binary message of several KiB in memory of its own: its ArrayBuffer holds the message and nothing else', () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1 << 20);
    const payload = Buffer.from(randomBytes(4096).toString('base64'));

    const binary = inflater.inflateNow(deflateMessage(payload), false) as Buffer;

    expect({ isSame: binary.equals(payload), arrayBufferBytes: binary.buffer.byteLength }).toEqual({ isSame: true, arrayBufferBytes: payload.length });
  });

  it('leaves a message that inflates past ZLIB_ON_LOOP_MAX_BYTES to the thread pool, which inflates it whole', async () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1 << 20);
    const compressed = deflateMessage('z'.repeat(ZLIB_ON_LOOP_MAX_BYTES + 1));

    expect(inflater.inflateNow(compressed, true)).toBeUndefined();
    expect((await inflater.inflate(compressed)).length).toBe(ZLIB_ON_LOOP_MAX_BYTES + 1);
  });

  it('fails with 1009 at once for a message past a limit under ZLIB_ON_LOOP_MAX_BYTES', () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1024);
    expect(inflater.inflateNow(deflateMessage('z'.repeat(1024)), true)).toBe('z'.repeat(1024));
    expect(failureOf(() => inflater.inflateNow(deflateMessage('z'.repeat(1025)), true))).toEqual({
      closeCode: 1009,
      code: 'MESSAGE_TOO_BIG',
      message: 'message inflates past the limit of 1024 bytes',
    });
  });

  it('fails with 1007 for data that is not DEFLATE, and for text that is not UTF-8', () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1 << 20);
    expect(failureOf(() => inflater.inflateNow(Buffer.from([0xff, 0xff, 0xff, 0xff]), false))).toEqual({
      closeCode: 1007,
      code: 'INVALID_COMPRESSED_DATA',
      message: 'compressed message is not valid DEFLATE data',
    });
    expect(failureOf(() => inflater.inflateNow(deflateMessage(Buffer.from([0xc3, 0x28])), true))).toMatchObject({ closeCode: 1007, code: 'INVALID_UTF8' });
  });

  it('leaves every message to the thread pool with client context takeover (one zlib stream for the connection)', () => {
    expect(new MessageInflater(deflateParams(true), 1 << 20).inflateNow(deflateMessage('hello'), true)).toBeUndefined();
  });
});
