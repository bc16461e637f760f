import { MessageChannel } from 'node:worker_threads';
import { constants, createDeflateRaw, createInflateRaw, deflateRawSync, DeflateRaw, InflateRaw } from 'node:zlib';
import { ProtocolError } from '../../../../lib/protocol/protocol-error';
import { IdleContexts } from '../../../../lib/transport/deflate/idle-contexts';
import { deflateAlone } from '../../../../lib/transport/deflate/message-deflater';
import { MessageInflater } from '../../../../lib/transport/deflate/message-inflater';
import { inflateMessage } from '../../../helpers/deflate-client';
import { deflateParams } from '../../../helpers/deflate-params';

// Messages without context takeover run on zlib contexts that are reset and reused: each message
// must still stand alone (RFC 7692 §7.1.1), whatever the message before it did to the context.
const NO_TAKEOVER = deflateParams(false);
/** §7.2.1: a message compressed alone, sync flush, without 00 00 ff ff. */
const compressed = (text: string): Buffer => {
  const bytes = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return bytes.subarray(0, bytes.length - 4);
};
/** A message that ends with a final block (BFINAL): zlib's stream ends with it. */
const withFinalBlock = (text: string): Buffer => deflateRawSync(Buffer.from(text));

describe('IdleContexts', () => {
  it('gives back the context it was given, reset, and keeps at most its limit per key', () => {
    const contexts = new IdleContexts<DeflateRaw>(1);
    const first = contexts.take('k', () => createDeflateRaw());
    const second = contexts.take('k', () => createDeflateRaw());
    contexts.give('k', first);
    contexts.give('k', second);

    expect([contexts.take('k', () => createDeflateRaw()) === first, second.destroyed]).toEqual([true, true]);
    first.close();
  });

  it('does not keep a context whose stream ended', async () => {
    const contexts = new IdleContexts<InflateRaw>(4);
    const stream = contexts.take('k', () => createInflateRaw());
    stream.resume();
    stream.end(withFinalBlock('done'));
    await new Promise((resolve) => stream.once('close', resolve));
    contexts.give('k', stream);

    expect(contexts.take('k', () => createInflateRaw())).not.toBe(stream);
  });
});

describe('messages on reused contexts', () => {
  it('compresses each message so that it inflates alone, 20 messages in a row', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `message ${i} `.repeat(100 + i));

    const outputs = await Promise.all(texts.map((text) => deflateAlone(Buffer.from(text), NO_TAKEOVER)));

    expect(outputs.map((output) => inflateMessage(output).toString())).toEqual(texts);
  });

  it('inflates each message alone after one that failed, one past the limit and one that ended its stream', async () => {
    const inflater = new MessageInflater(NO_TAKEOVER, 1024);
    const outcomes: string[] = [];
    const inflate = async (data: Buffer): Promise<void> => {
      try {
        outcomes.push((await inflater.inflate(data)).toString());
      } catch (error) {
        outcomes.push((error as ProtocolError).code);
      }
    };

    for (let round = 0; round < 4; round++) {
      await inflate(compressed('hello'));
      await inflate(Buffer.from([0xff, 0xff, 0xff, 0xff])); // not DEFLATE
      await inflate(compressed('x'.repeat(2048))); // past 1024 bytes
      await inflate(withFinalBlock('final'));
    }

    expect(outcomes).toEqual(Array.from({ length: 4 }, () => ['hello', 'INVALID_COMPRESSED_DATA', 'MESSAGE_TOO_BIG', 'final']).flat());
  });

  // A handler may hand a binary message's memory on (a worker's postMessage with a transfer list).
  // Had the message been a view into the zlib context's output buffer, the next message inflated
  // there (another connection's, the context being shared) would abort the process in zlib's C++.
  it.each([
    ['without context takeover (a context shared by connections)', NO_TAKEOVER],
    ['with context takeover (one context for the connection)', deflateParams(true)],
  ])('hands out messages that are not zlib\'s memory, %s: one transferred away, the next still inflates', async (_case, params) => {
    const inflater = new MessageInflater(params, 1 << 20);
    const channel = new MessageChannel();
    try {
      for (let i = 0; i < 3; i++) {
        const message = await inflater.inflate(compressed(`message ${i}`));
        expect(message.toString()).toBe(`message ${i}`);
        try {
          channel.port1.postMessage(message, [message.buffer as ArrayBuffer]);
        } catch {
          // Node refuses to transfer the memory of its pool: nothing was taken away.
        }
      }
    } finally {
      channel.port1.close();
      inflater.close();
    }
  });
});
