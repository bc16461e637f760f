import { constants, createDeflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { BOMB_LIMIT_BYTES, DEFLATE_PATHS } from '../fixtures/deflate-app';
import { ContextInflater, RSV1, TAIL, deflateMessage, inflateMessage } from '../helpers/deflate-client';
import { chatText, mixedBinary, seededRandom, sizeLabel } from '../helpers/deflate-payloads';
import { useDeflateApp } from '../helpers/deflate-suite';
import { OP, closePayload, encodeHeader, hex } from '../helpers/raw-frames';

// RFC 7692 §6 and §7.2 on the wire, read and written by a raw client: RSV1 marks a compressed
// message on its first frame only, the server compresses what reaches its threshold, and every
// misuse of RSV1 or of DEFLATE fails the connection with the right code.

const OFFER = 'permessage-deflate; client_max_window_bits';
const KINDS = [
  { kind: 'text', opcode: OP.text, payloadOf: (size: number): Buffer => Buffer.from(chatText(size)) },
  { kind: 'binary', opcode: OP.binary, payloadOf: (size: number): Buffer => mixedBinary(size) },
] as const;
/** Autobahn 6.x: valid UTF-8 up to a UTF-16 surrogate (ed a0 80), then more text. */
const INVALID_UTF8 = hex('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64');
const HELLO = Buffer.from('Hello');

describe('permessage-deflate frames: what the server sends compressed (RSV1)', () => {
  const suite = useDeflateApp();

  const thresholdCases = KINDS.flatMap(({ kind, opcode, payloadOf }) =>
    ([
      [DEFLATE_PATHS.defaults, 0, false],
      [DEFLATE_PATHS.defaults, 1, false],
      [DEFLATE_PATHS.defaults, 125, false],
      [DEFLATE_PATHS.defaults, 1023, false],
      [DEFLATE_PATHS.defaults, 1024, true],
      [DEFLATE_PATHS.defaults, 1025, true],
      [DEFLATE_PATHS.defaults, 64 << 10, true],
      [DEFLATE_PATHS.takeover, 1023, false],
      [DEFLATE_PATHS.takeover, 1024, true],
      [DEFLATE_PATHS.window9, 1023, false],
      [DEFLATE_PATHS.window9, 1024, true],
      [DEFLATE_PATHS.threshold0, 0, true],
      [DEFLATE_PATHS.threshold0, 1, true],
      [DEFLATE_PATHS.threshold0, 125, true],
      [DEFLATE_PATHS.threshold0, 1023, true],
      [DEFLATE_PATHS.threshold0, 64 << 10, true],
    ] as [string, number, boolean][]).map(([path, size, isCompressed]) => [kind, sizeLabel(size), path, isCompressed ? 'compressed' : 'uncompressed', { opcode, payloadOf, size, isCompressed }] as const),
  );

  it.each(thresholdCases)('echoes a %s message of %s on %s %s', async (_kind, _label, path, _how, { opcode, payloadOf, size, isCompressed }) => {
    const client = await suite.connect({ path, extensions: OFFER });
    const payload = payloadOf(size);
    await client.sendCompressed(opcode, deflateMessage(payload));

    const reply = await client.nextMessage();

    expect({ opcode: reply.opcode, isCompressed: reply.isCompressed, frames: reply.frames.length, fin: reply.frames[0].fin }).toEqual({ opcode, isCompressed, frames: 1, fin: true });
    expect(reply.frames[0].rsv).toBe(isCompressed ? RSV1 : 0);
    expect(reply.data.equals(payload)).toBe(true);
    // §7.2.1: the sender removes the 00 00 ff ff the sync flush ends with.
    if (isCompressed) expect(reply.wire.subarray(-4).equals(TAIL)).toBe(false);
  });

  it.each([
    [DEFLATE_PATHS.plain, 'a client whose offer the gateway declines', OFFER],
    [DEFLATE_PATHS.defaults, 'a client that offers no extension', undefined],
    [DEFLATE_PATHS.defaults, 'a client whose only offer was declined', 'permessage-deflate; server_max_window_bits=8'],
  ])('never sets RSV1 on %s for %s', async (path, _who, extensions) => {
    const client = await suite.connect({ path, extensions });
    expect(client.extensions).toBeUndefined();
    const payload = Buffer.from(chatText(64 << 10));
    await client.sendFrames({ opcode: OP.text, payload });

    const reply = await client.nextMessage();

    expect(reply.frames.map((frame) => frame.rsv)).toEqual([0]);
    expect(reply.data.equals(payload)).toBe(true);
  });

  it.each([9, 10, 11, 12, 13, 14, 15])('compresses within the window of server_max_window_bits=%d it agreed to', async (bits) => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: `permessage-deflate; server_max_window_bits=${bits}` });
    expect(client.extensions).toContain(`server_max_window_bits=${bits}`);
    // A 700-byte random block repeated: matches reach back 700 bytes unless the window forbids it.
    const block = mixedBinary(1400).subarray(0, 700);
    const payload = Buffer.concat(Array.from({ length: 40 }, () => block));
    await client.sendFrames({ opcode: OP.binary, payload });

    const reply = await client.nextMessage();

    expect(reply.isCompressed).toBe(true);
    expect(inflateRawSync(Buffer.concat([reply.wire, TAIL]), { windowBits: bits, finishFlush: constants.Z_SYNC_FLUSH }).equals(payload)).toBe(true);
  });

  it('compresses with a 512-byte window on a gateway with serverMaxWindowBits 9, where the defaults reach further back', async () => {
    const block = mixedBinary(1400).subarray(0, 700);
    const payload = Buffer.concat(Array.from({ length: 40 }, () => block));
    const inflate9 = (wire: Buffer): Buffer => inflateRawSync(Buffer.concat([wire, TAIL]), { windowBits: 9, finishFlush: constants.Z_SYNC_FLUSH });
    const narrow = await suite.connect({ path: DEFLATE_PATHS.window9, extensions: OFFER });
    const wide = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await narrow.sendFrames({ opcode: OP.binary, payload });
    await wide.sendFrames({ opcode: OP.binary, payload });

    const [narrowReply, wideReply] = [await narrow.nextMessage(), await wide.nextMessage()];

    expect(narrow.extensions).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9');
    expect(inflate9(narrowReply.wire).equals(payload)).toBe(true);
    expect(() => inflate9(wideReply.wire)).toThrow(/distance too far back/);
  });

  it('takes its compression context over from one message to the next on /deflate-takeover', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.takeover, extensions: OFFER });
    expect(client.extensions).toBe('permessage-deflate');
    const payload = Buffer.from(chatText(4 << 10));
    for (let i = 0; i < 3; i++) await client.sendFrames({ opcode: OP.text, payload });

    // One inflate context across the three messages, as the client keeps it.
    const inflater = new ContextInflater();
    const replies = [await client.nextMessage(inflater), await client.nextMessage(inflater), await client.nextMessage(inflater)];

    expect(replies.map((reply) => reply.data.equals(payload))).toEqual([true, true, true]);
    expect(replies.map((reply) => reply.frames[0].rsv)).toEqual([RSV1, RSV1, RSV1]);
    expect(replies[1].wire.length).toBeLessThan(replies[0].wire.length / 10);
    expect(() => inflateMessage(replies[1].wire)).toThrow();
  });

  it('compresses a 4 KiB envelope reply like a raw message of the same size', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.envelope, extensions: OFFER });
    const text = chatText(4 << 10);
    await client.sendFrames({ opcode: OP.text, rsv: RSV1, payload: deflateMessage(JSON.stringify({ event: 'echo', data: text })) });

    const reply = await client.nextMessage();

    expect(JSON.parse(reply.data.toString())).toEqual({ event: 'echo', data: text });
    expect({ isCompressed: reply.isCompressed, rsv: reply.frames[0].rsv }).toEqual({ isCompressed: true, rsv: RSV1 });
  });

  it('compresses each message on its own with server_no_context_takeover, so each inflates alone', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    const payload = Buffer.from(chatText(4 << 10));
    for (let i = 0; i < 3; i++) await client.sendFrames({ opcode: OP.text, payload });

    const replies = [await client.nextMessage(), await client.nextMessage(), await client.nextMessage()];

    expect(replies.map((reply) => reply.data.equals(payload))).toEqual([true, true, true]);
    expect(replies[1].wire.equals(replies[0].wire)).toBe(true);
  });
});

describe('permessage-deflate frames: compressed messages from the client', () => {
  const suite = useDeflateApp();

  const fragmentCases = [DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover].flatMap((path) =>
    KINDS.flatMap(({ kind, opcode, payloadOf }) =>
      [1 << 10, 64 << 10].flatMap((size) => [2, 3, 7, 64].map((fragments) => [kind, sizeLabel(size), fragments, path, { opcode, payload: payloadOf(size) }] as const)),
    ),
  );

  it.each(fragmentCases)('echoes a compressed %s message of %s sent in %d frames, RSV1 on the first only, on %s', async (_kind, _label, fragments, path, { opcode, payload }) => {
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendCompressed(opcode, deflateMessage(payload), fragments);

    const reply = await client.nextMessage();

    expect(reply.opcode).toBe(opcode);
    expect(reply.data.equals(payload)).toBe(true);
  });

  it('echoes "Hello" from the single compressed frame of RFC 7692 §7.2.3.1', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames({ opcode: OP.text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') });

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it('echoes "Hello" from the two fragments of RFC 7692 §7.2.3.1 (41 03 f2 48 cd, 80 04 c9 c9 07 00)', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames(
      { opcode: OP.text, rsv: RSV1, fin: false, payload: hex('f2 48 cd') },
      { opcode: OP.continuation, payload: hex('c9 c9 07 00') },
    );

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it('answers a ping sent between two fragments of a compressed message, then echoes the message', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames(
      { opcode: OP.text, rsv: RSV1, fin: false, payload: hex('f2 48 cd') },
      { opcode: OP.ping, payload: 'between' },
      { opcode: OP.continuation, payload: hex('c9 c9 07 00') },
    );

    const pong = await client.nextFrame();
    expect({ opcode: pong.opcode, rsv: pong.rsv, payload: pong.payload.toString() }).toEqual({ opcode: OP.pong, rsv: 0, payload: 'between' });
    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it.each([
    ['an empty first frame (RSV1) and the data in a continuation', [Buffer.alloc(0), hex('f2 48 cd c9 c9 07 00')]],
    ['an empty last continuation', [hex('f2 48 cd c9 c9 07 00'), Buffer.alloc(0)]],
    ['one byte per frame', [...hex('f2 48 cd c9 c9 07 00')].map((byte) => Buffer.from([byte]))],
  ])('echoes a compressed message sent with %s', async (_shape, pieces) => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames(
      ...pieces.map((payload, i) => ({ opcode: i === 0 ? OP.text : OP.continuation, rsv: i === 0 ? RSV1 : 0, fin: i === pieces.length - 1, payload })),
    );

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it('decodes the shared LZ77 window of RFC 7692 §7.2.3.2 on /deflate-takeover, where the client keeps its context', async () => {
    // The second message (f2 00 11 00 00) is a back-reference into the first one.
    const client = await suite.connect({ path: DEFLATE_PATHS.takeover, extensions: OFFER });
    expect(client.extensions).toBe('permessage-deflate');
    await client.sendFrames({ opcode: OP.text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') }, { opcode: OP.text, rsv: RSV1, payload: hex('f2 00 11 00 00') });

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it('fails with 1007 on /deflate when a message refers back into the previous one although client_no_context_takeover was agreed', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    expect(client.extensions).toContain('client_no_context_takeover');
    await client.sendFrames({ opcode: OP.text, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') }, { opcode: OP.text, rsv: RSV1, payload: hex('f2 00 11 00 00') });

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
    await client.expectClose(1007);
  });

  it.each([DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover])('echoes a message whose DEFLATE data ends in a block with BFINAL set (RFC 7692 §7.2.3.3) on %s', async (path) => {
    const client = await suite.connect({ path, extensions: OFFER });
    const final = deflateRawSync(HELLO); // Z_FINISH: one fixed-Huffman block with BFINAL = 1
    expect(final).toEqual(hex('f3 48 cd c9 c9 07 00'));
    await client.sendFrames({ opcode: OP.text, rsv: RSV1, payload: final });

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it.each([DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover])('keeps inflating the messages that follow one ended with BFINAL set (RFC 7692 §7.2.3.3) on %s', async (path) => {
    // Each message is a whole DEFLATE stream here; the one after a BFINAL block starts afresh.
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendFrames(
      { opcode: OP.text, rsv: RSV1, payload: hex('f3 48 cd c9 c9 07 00') }, // "Hello", BFINAL = 1
      { opcode: OP.text, rsv: RSV1, payload: hex('f3 48 cd c9 c9 07 00') }, // "Hello", BFINAL = 1
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage('world') }, // a sync-flushed stream
    );

    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await client.nextMessage()).data.toString());
    expect(replies).toEqual(['Hello', 'Hello', 'world']);
  });

  it.each([
    ['a stored (uncompressed) DEFLATE block (§7.2.3.4)', hex('00 05 00 fa ff 48 65 6c 6c 6f')],
    ['the 00 00 ff ff tail left in place', Buffer.concat([hex('f2 48 cd c9 c9 07 00'), TAIL])],
    ['two sync flushes inside the message', Buffer.concat([deflateRawSync(Buffer.from('Hel'), { finishFlush: constants.Z_SYNC_FLUSH }), deflateMessage('lo')])],
    ['two stored blocks', hex('00 03 00 fc ff 48 65 6c 00 02 00 fd ff 6c 6f')],
    ['a level-0 deflate stream', deflateMessage(HELLO, { level: 0 })],
    ['a level-9 deflate stream with a 9-bit window', deflateMessage(HELLO, { level: 9, windowBits: 9 })],
  ])('echoes "Hello" compressed as %s', async (_how, payload) => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames({ opcode: OP.text, rsv: RSV1, payload });

    expect((await client.nextMessage()).data.toString()).toBe('Hello');
  });

  it.each(
    KINDS.flatMap(({ kind, opcode }) =>
      [
        ['an empty payload', Buffer.alloc(0)],
        ['a single 00 octet (an empty stored block, RFC 7692 §7.2.3.6)', hex('00')],
        ['an empty sync flush with its tail removed', deflateMessage(Buffer.alloc(0))],
      ].map(([how, payload]) => [kind, how, opcode, payload] as const),
    ),
  )('echoes an empty compressed %s message sent as %s', async (_kind, _how, opcode, payload) => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames({ opcode, rsv: RSV1, payload: payload as Buffer });

    const reply = await client.nextMessage();

    expect({ opcode: reply.opcode, length: reply.data.length }).toEqual({ opcode, length: 0 });
  });

  it('keeps a client context across messages on /deflate-takeover (one deflate stream, flushed per message)', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.takeover, extensions: OFFER });
    const deflater = createDeflateRaw();
    const compress = (payload: Buffer): Promise<Buffer> =>
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        const onData = (chunk: Buffer): void => void chunks.push(chunk);
        deflater.on('data', onData);
        deflater.write(payload);
        deflater.flush(constants.Z_SYNC_FLUSH, () => {
          deflater.off('data', onData);
          const all = Buffer.concat(chunks);
          resolve(all.subarray(0, all.length - 4));
        });
      });
    const messages = [0, 1, 2, 3].map((i) => Buffer.from(chatText(2 << 10, 7 + (i % 2))));
    const wires = [];
    for (const message of messages) wires.push(await compress(message));
    deflater.close();
    await client.sendFrames(...wires.map((payload) => ({ opcode: OP.text, rsv: RSV1, payload })));

    const inflater = new ContextInflater(); // the server's replies of 2 KiB are compressed with its context
    for (const message of messages) expect((await client.nextMessage(inflater)).data.equals(message)).toBe(true);
    expect(wires[2].length).toBeLessThan(wires[0].length / 10); // the client really referred back
  });

  it.each([DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover])('echoes two compressed messages and then an uncompressed one, sent in one write, in their order on %s', async (path) => {
    // RFC 6455 §5.4/§6.2: messages are delivered in the order they were received.
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendFrames(
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage('first') },
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage('second') },
      { opcode: OP.text, payload: 'third' },
    );

    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await client.nextMessage()).data.toString());
    expect(replies).toEqual(['first', 'second', 'third']);
  });

  it('echoes compressed and uncompressed messages sent in one write in their order, answering the ping between them', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    const messages = [chatText(4 << 10, 1), 'plain', chatText(64 << 10, 2), 'after the ping', chatText(2000, 3)].map((text) => Buffer.from(text));
    await client.sendFrames(
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage(messages[0]) },
      { opcode: OP.text, payload: messages[1] },
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage(messages[2]) },
      { opcode: OP.ping, payload: 'p' },
      { opcode: OP.text, payload: messages[3] },
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage(messages[4]), fin: false },
      { opcode: OP.continuation, payload: Buffer.alloc(0) },
    );

    const received: string[] = [];
    let pongs = 0;
    while (received.length < messages.length) {
      const frame = await client.nextFrame();
      if (frame.opcode === OP.pong) pongs++;
      else received.push((frame.rsv & RSV1 ? inflateMessage(frame.payload) : frame.payload).toString());
    }
    expect(received).toEqual(messages.map((message) => message.toString()));
    expect(pongs).toBe(1);
  });

  it('echoes an uncompressed fragmented message (RSV1 clear throughout) on a deflate connection', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames({ opcode: OP.binary, fin: false, payload: 'abc' }, { opcode: OP.continuation, payload: 'def' });

    const reply = await client.nextMessage();

    expect({ isCompressed: reply.isCompressed, data: reply.data.toString() }).toEqual({ isCompressed: false, data: 'abcdef' });
  });

  it.each([DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover])('echoes invalid UTF-8 compressed in a binary message on %s: only text is validated', async (path) => {
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendFrames({ opcode: OP.binary, rsv: RSV1, payload: deflateMessage(INVALID_UTF8) });

    expect((await client.nextMessage()).data.equals(INVALID_UTF8)).toBe(true);
  });

  it('echoes a 1 MiB message at the limit streamed in 2 KiB fragments, each ending in a sync flush as the ws client streams them', async () => {
    // Random bytes compress to stored blocks: each fragment carries its 5-byte block header and
    // the 5-byte empty block of its sync flush: 0.5% more than the message itself, 5 KiB here.
    const client = await suite.connect({ path: DEFLATE_PATHS.bomb, extensions: OFFER });
    const random = seededRandom(11);
    const payload = Buffer.from(Array.from({ length: BOMB_LIMIT_BYTES }, () => Math.floor(random() * 256)));
    const pieces = [];
    for (let offset = 0; offset < payload.length; offset += 2048) {
      pieces.push(deflateRawSync(payload.subarray(offset, offset + 2048), { finishFlush: constants.Z_SYNC_FLUSH }));
    }
    pieces[pieces.length - 1] = pieces[pieces.length - 1].subarray(0, -4); // §7.2.1: the tail only at the end
    await client.sendFrames(...pieces.map((piece, i) => ({ opcode: i === 0 ? OP.binary : OP.continuation, rsv: i === 0 ? RSV1 : 0, fin: i === pieces.length - 1, payload: piece })));

    const reply = await client.nextMessage();

    expect(reply.data.equals(payload)).toBe(true);
  });

  it.each([DEFLATE_PATHS.bomb, DEFLATE_PATHS.bombTakeover])('echoes a compressed message that inflates to exactly the 1 MiB limit on %s', async (path) => {
    const client = await suite.connect({ path, extensions: OFFER });
    const payload = Buffer.alloc(BOMB_LIMIT_BYTES, 0x61);
    await client.sendFrames({ opcode: OP.binary, rsv: RSV1, payload: deflateMessage(payload) });

    const reply = await client.nextMessage();

    expect(reply.data.equals(payload)).toBe(true);
  });
});

describe('permessage-deflate frames: misuse of RSV1 and of DEFLATE fails the connection', () => {
  const suite = useDeflateApp();

  it.each([
    ['a continuation frame of a compressed message', [{ opcode: OP.text, rsv: RSV1, fin: false, payload: hex('f2 48 cd') }, { opcode: OP.continuation, rsv: RSV1, payload: hex('c9 c9 07 00') }]],
    ['a continuation frame of an uncompressed message', [{ opcode: OP.text, fin: false, payload: 'Hel' }, { opcode: OP.continuation, rsv: RSV1, payload: 'lo' }]],
    ['the middle continuation of three', [{ opcode: OP.binary, rsv: RSV1, fin: false, payload: hex('f2') }, { opcode: OP.continuation, rsv: RSV1, fin: false, payload: hex('48') }, { opcode: OP.continuation, payload: hex('cd c9 c9 07 00') }]],
    ['a ping', [{ opcode: OP.ping, rsv: RSV1, payload: 'ping' }]],
    ['a pong', [{ opcode: OP.pong, rsv: RSV1, payload: 'pong' }]],
    ['a close frame', [{ opcode: OP.close, rsv: RSV1, payload: closePayload(1000) }]],
    ['a ping between two fragments', [{ opcode: OP.text, rsv: RSV1, fin: false, payload: hex('f2 48 cd') }, { opcode: OP.ping, rsv: RSV1 }, { opcode: OP.continuation, payload: hex('c9 c9 07 00') }]],
  ])('fails with 1002 when RSV1 is set on %s although deflate was negotiated', async (_frame, specs) => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames(...specs);
    await client.expectClose(1002);
  });

  it.each([
    ['RSV2', 2],
    ['RSV3', 1],
    ['RSV1 with RSV2', RSV1 | 2],
  ])('fails with 1002 when %s is set on a data frame although only deflate (RSV1) was negotiated', async (_bits, rsv) => {
    const client = await suite.connect({ path: DEFLATE_PATHS.defaults, extensions: OFFER });
    await client.sendFrames({ opcode: OP.text, rsv, payload: hex('f2 48 cd c9 c9 07 00') });
    await client.expectClose(1002);
  });

  it.each(
    [
      [DEFLATE_PATHS.defaults, undefined, 'no extension was offered'],
      [DEFLATE_PATHS.plain, OFFER, 'the gateway declined deflate'],
      [DEFLATE_PATHS.defaults, 'permessage-deflate; foo', 'the only offer was declined'],
      [DEFLATE_PATHS.defaults, 'x-webkit-deflate-frame', 'only another extension was offered'],
    ].flatMap(([path, extensions, why]) => [OP.text, OP.binary].map((opcode) => [opcode === OP.text ? 'text' : 'binary', path, why, { opcode, extensions }] as const)),
  )('fails with 1002 when a %s frame on %s has RSV1 although %s', async (_kind, path, _why, { opcode, extensions }) => {
    const client = await suite.connect({ path: path as string, extensions: extensions as string | undefined });
    expect(client.extensions).toBeUndefined();
    await client.sendFrames({ opcode, rsv: RSV1, payload: hex('f2 48 cd c9 c9 07 00') });
    await client.expectClose(1002);
  });

  const invalidDeflate: [string, Buffer][] = [
    ['a block with the reserved type 11', hex('07 ff ff ff')],
    ['a stored block whose NLEN does not complement LEN', hex('00 05 00 00 00 48 65 6c 6c 6f')],
    ['a back-reference before the start of the data', hex('f2 00 11 00 00')],
    ['random bytes', Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff))],
  ];

  it.each([DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover].flatMap((path) => invalidDeflate.map(([what, payload]) => [what, path, payload] as const)))(
    'fails with 1007 when a compressed message holds %s, on %s',
    async (_what, path, payload) => {
      const client = await suite.connect({ path, extensions: OFFER });
      await client.sendFrames({ opcode: OP.binary, rsv: RSV1, payload });
      await client.expectClose(1007);
    },
  );

  it.each(
    [DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover].flatMap((path) =>
      [1, 3].map((fragments) => [path, fragments] as const),
    ),
  )('fails with 1007 when a compressed text message on %s in %d frame(s) inflates to invalid UTF-8', async (path, fragments) => {
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendCompressed(OP.text, deflateMessage(INVALID_UTF8), fragments);
    await client.expectClose(1007);
  });

  it.each([DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover])('fails with 1007 on %s when the invalid UTF-8 follows a valid compressed text message', async (path) => {
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendFrames(
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage('valid') },
      { opcode: OP.text, rsv: RSV1, payload: deflateMessage(INVALID_UTF8) },
    );

    expect((await client.nextMessage()).data.toString()).toBe('valid');
    await client.expectClose(1007);
  });

  it.each([DEFLATE_PATHS.bomb, DEFLATE_PATHS.bombTakeover])('fails with 1009 on %s when a compressed message inflates to one byte over the 1 MiB limit', async (path) => {
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendFrames({ opcode: OP.binary, rsv: RSV1, payload: deflateMessage(Buffer.alloc(BOMB_LIMIT_BYTES + 1, 0x61)) });
    await client.expectClose(1009);
  });

  it.each([DEFLATE_PATHS.bomb, DEFLATE_PATHS.bombTakeover])('fails with 1009 on %s when a fragmented compressed message inflates past the limit', async (path) => {
    const client = await suite.connect({ path, extensions: OFFER });
    await client.sendCompressed(OP.text, deflateMessage(Buffer.alloc(4 * BOMB_LIMIT_BYTES, 0x20)), 5);
    await client.expectClose(1009);
  });

  it('fails with 1009 from the header of a compressed frame far larger than the limit, before its payload arrives', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.bomb, extensions: OFFER });
    await client.write(encodeHeader({ opcode: OP.binary, rsv: RSV1 }, BigInt(2 * BOMB_LIMIT_BYTES), Buffer.from([1, 2, 3, 4])));
    await client.expectClose(1009);
  });

  it('sends the echoes of earlier messages before the close when a later message is a bomb', async () => {
    const client = await suite.connect({ path: DEFLATE_PATHS.bomb, extensions: OFFER });
    const random = seededRandom(5);
    const first = Buffer.from(Array.from({ length: 2048 }, () => Math.floor(random() * 256)));
    await client.sendFrames(
      { opcode: OP.binary, rsv: RSV1, payload: deflateMessage(first) },
      { opcode: OP.binary, rsv: RSV1, payload: deflateMessage(Buffer.alloc(8 * BOMB_LIMIT_BYTES)) },
    );

    expect((await client.nextMessage()).data.equals(first)).toBe(true);
    await client.expectClose(1009);
  });
});
