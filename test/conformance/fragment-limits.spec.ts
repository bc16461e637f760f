import { DEFAULTS } from '../../lib/gateway/websocket.defaults';
import { FrameParser } from '../../lib/protocol/frame-parser';
import { DeflateClient, RSV1, deflateMessage } from '../helpers/deflate-client';
import { useEchoServer } from '../helpers/echo-suite';
import { OP, encodeFragments, encodeFrame, splitEvery } from '../helpers/raw-frames';
import { MiB, binaryOf, textOf } from '../helpers/sized-payloads';

// DESIGN.md "Defaults": a message may take 16,384 frames (ws's default since 8.21), and the
// 16,385th is refused with 1008 (RFC 6455 §7.4.1, policy). Legitimate senders stream in small
// fragments; the cap only stops floods, and memory is bound by bytes (small pieces are copied together).
const MAX_FRAGMENTS = 16_384;
const LARGE_WAIT_MS = 20_000;

describe('fragment limits: the default cap lets streaming senders through and refuses floods with 1008', () => {
  const suite = useEchoServer();

  it('is 16,384 fragments per message by default', () => {
    expect(DEFAULTS.maxFragmentsPerMessage).toBe(MAX_FRAGMENTS);
  });

  it('echoes a 4 MiB binary message sent in 4,096 fragments of 1 KiB', async () => {
    const client = await suite.connect();
    const payload = binaryOf(4 * MiB);
    await client.write(Buffer.concat(encodeFragments(OP.binary, splitEvery(payload, 1024))));
    await client.expectMessage(OP.binary, payload, LARGE_WAIT_MS);
  }, 30_000);

  it('echoes a text message sent in 3,840 one-byte fragments, code points split across them', async () => {
    const client = await suite.connect();
    const payload = textOf(3_840);
    await client.write(Buffer.concat(encodeFragments(OP.text, splitEvery(payload, 1))));
    await client.expectMessage(OP.text, payload);
  });

  it.each([
    ['text', OP.text],
    ['binary', OP.binary],
  ])('echoes a %s message of exactly 16,384 one-byte fragments', async (_kind, opcode) => {
    const client = await suite.connect();
    const payload = Buffer.alloc(MAX_FRAGMENTS, 0x61);
    await client.write(Buffer.concat(encodeFragments(opcode, splitEvery(payload, 1))));
    await client.expectMessage(opcode, payload);
  });

  it('fails with 1008 when a message takes 16,385 fragments, at the header of the last one', async () => {
    const client = await suite.connect();
    const fragments = encodeFragments(OP.binary, splitEvery(Buffer.alloc(MAX_FRAGMENTS + 1, 0x62), 1));
    // Everything but the final fragment: the close must not wait for the message to end.
    await client.write(Buffer.concat(fragments.slice(0, MAX_FRAGMENTS)));
    await client.write(fragments[MAX_FRAGMENTS].subarray(0, 2));
    await client.expectClose(1008);
  });

  describe('with permessage-deflate (RFC 7692 §6.1: RSV1 on the first fragment only)', () => {
    const clients: DeflateClient[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.destroy()));
    });
    const compressedFragments = (payload: Buffer, count: number): Buffer => {
      const pieces = splitEvery(deflateMessage(payload), 1);
      // A compressed stream shorter than `count` bytes gets empty fragments at its end.
      while (pieces.length < count) pieces.push(Buffer.alloc(0));
      return Buffer.concat(pieces.map((payload, i) => encodeFrame({ opcode: i === 0 ? OP.text : OP.continuation, rsv: i === 0 ? RSV1 : 0, payload, fin: i === pieces.length - 1 })));
    };
    const connect = async (): Promise<DeflateClient> => {
      const client = await DeflateClient.connect(suite.server.port, { path: '/echo', extensions: 'permessage-deflate' });
      clients.push(client);
      return client;
    };

    it('echoes a compressed text message sent in 16,384 fragments', async () => {
      const client = await connect();
      const payload = textOf(40_000);

      await client.write(compressedFragments(payload, MAX_FRAGMENTS));

      expect((await client.nextMessage()).data.equals(payload)).toBe(true);
    });

    it('fails with 1008 when a compressed message takes 16,385 fragments', async () => {
      const client = await connect();

      await client.write(compressedFragments(textOf(40_000), MAX_FRAGMENTS + 1));

      await client.expectClose(1008);
    });
  });

  it('holds a message of 16,384 one-byte fragments in a few buffers, not one per fragment', () => {
    const parser = new FrameParser({ role: 'server', maxMessageBytes: MiB, maxFragmentsPerMessage: MAX_FRAGMENTS });
    const frames = encodeFragments(OP.binary, splitEvery(Buffer.alloc(MAX_FRAGMENTS, 0x63), 1));
    const concat = jest.spyOn(Buffer, 'concat');
    try {
      // One frame per chunk, as a slow sender's TCP segments arrive: each payload is a view of its chunk.
      const events = frames.flatMap((frame) => [...parser.push(frame)]);
      expect(events).toEqual([{ kind: 'binary', data: Buffer.alloc(MAX_FRAGMENTS, 0x63) }]);
      // The pieces joined at the end are what the message held while it was assembled.
      const piecesHeld = concat.mock.calls.map(([pieces]) => pieces.length);
      expect(Math.max(0, ...piecesHeld)).toBeLessThanOrEqual(4);
    } finally {
      concat.mockRestore();
    }
  });
});
