import { useEchoServer } from '../helpers/echo-suite';
import { OP, closePayload, encodeFragments, encodeFrame, hex, splitEvery } from '../helpers/raw-frames';
import { MiB, binaryOf, textOf } from '../helpers/sized-payloads';

// RFC 6455 §5.4: a message is a first frame (text or binary, FIN clear), continuation frames,
// and a final frame with FIN set; control frames may come in between, data frames may not.
const KINDS = [
  { kind: 'text', opcode: OP.text, payloadOf: textOf },
  { kind: 'binary', opcode: OP.binary, payloadOf: binaryOf },
] as const;

const SPLITS: { shape: string; split(whole: Buffer): Buffer[] }[] = [
  { shape: 'in 2 fragments', split: (whole) => [whole.subarray(0, 7), whole.subarray(7)] },
  { shape: 'in 1-byte fragments', split: (whole) => splitEvery(whole, 1) },
  { shape: 'in 25 fragments of 11 bytes, splitting code points', split: (whole) => splitEvery(whole, 11) },
  { shape: 'with an empty first fragment', split: (whole) => [Buffer.alloc(0), whole] },
  { shape: 'with an empty last fragment', split: (whole) => [whole, Buffer.alloc(0)] },
  { shape: 'with empty fragments in between', split: (whole) => [whole.subarray(0, 100), Buffer.alloc(0), Buffer.alloc(0), whole.subarray(100)] },
];

describe('fragmentation: fragmented messages are reassembled, broken sequences fail', () => {
  const suite = useEchoServer();

  const shapes = KINDS.flatMap(({ kind, opcode, payloadOf }) =>
    SPLITS.map(({ shape, split }) => [kind, shape, { opcode, payload: payloadOf(275), split }] as const),
  );

  it.each(shapes)('echoes a %s message sent %s as one message', async (_kind, _shape, { opcode, payload, split }) => {
    const client = await suite.connect();
    await client.write(Buffer.concat(encodeFragments(opcode, split(payload))));
    await client.expectMessage(opcode, payload);
  });

  it.each(KINDS)('echoes a $kind message made only of empty fragments as an empty message', async ({ opcode }) => {
    const client = await suite.connect();
    await client.write(Buffer.concat(encodeFragments(opcode, [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)])));
    await client.expectMessage(opcode, Buffer.alloc(0));
  });

  it.each(KINDS)('echoes a $kind message whose fragments are each written byte by byte', async ({ opcode, payloadOf }) => {
    const client = await suite.connect();
    const payload = payloadOf(300);
    for (const frame of encodeFragments(opcode, splitEvery(payload, 100))) await client.writeChopped(frame, 1);
    await client.expectMessage(opcode, payload);
  });

  it.each(KINDS)('echoes a 1 MiB $kind message sent in 64 KiB fragments', async ({ opcode, payloadOf }) => {
    const client = await suite.connect();
    const payload = payloadOf(MiB);
    for (const frame of encodeFragments(opcode, splitEvery(payload, 64 * 1024))) await client.write(frame);
    await client.expectMessage(opcode, payload, 10_000);
  }, 15_000);

  it.each(KINDS)('answers a ping between $kind fragments with a pong before the echo', async ({ opcode, payloadOf }) => {
    const client = await suite.connect();
    const payload = payloadOf(40);
    const [first, last] = encodeFragments(opcode, [payload.subarray(0, 20), payload.subarray(20)]);
    await client.write(Buffer.concat([first, encodeFrame({ opcode: OP.ping, payload: 'in between' }), last]));
    await client.expectMessage(OP.pong, 'in between');
    await client.expectMessage(opcode, payload);
  });

  it('answers a ping between fragments with a pong before the rest of the message is sent', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.text, payload: 'first ', fin: false });
    await client.sendFrame({ opcode: OP.ping, payload: 'now' });
    await client.expectMessage(OP.pong, 'now');
    await client.sendFrame({ opcode: OP.continuation, payload: 'last' });
    await client.expectMessage(OP.text, 'first last');
  });

  it('answers a ping after each non-final fragment, in order, before the echo', async () => {
    const client = await suite.connect();
    const pieces = ['one ', 'two ', 'three ', 'four'].map((piece) => Buffer.from(piece));
    const fragments = encodeFragments(OP.text, pieces);
    const pings = pieces.slice(1).map((_, i) => encodeFrame({ opcode: OP.ping, payload: `ping ${i}` }));
    await client.write(Buffer.concat(fragments.flatMap((fragment, i) => (i < pings.length ? [fragment, pings[i]] : [fragment]))));
    for (let i = 0; i < pings.length; i++) await client.expectMessage(OP.pong, `ping ${i}`);
    await client.expectMessage(OP.text, 'one two three four');
  });

  it('ignores an unsolicited pong between fragments', async () => {
    const client = await suite.connect();
    const [first, last] = encodeFragments(OP.binary, [hex('01 02'), hex('03 04')]);
    await client.write(Buffer.concat([first, encodeFrame({ opcode: OP.pong, payload: 'unsolicited' }), last]));
    await client.expectMessage(OP.binary, hex('01 02 03 04'));
  });

  it('echoes each of two fragmented messages sent back to back', async () => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([...encodeFragments(OP.text, [Buffer.from('ab'), Buffer.from('cd')]), ...encodeFragments(OP.binary, [hex('01'), hex('02')])]),
    );
    await client.expectMessage(OP.text, 'abcd');
    await client.expectMessage(OP.binary, hex('01 02'));
  });

  it('echoes the close frame sent between fragments and drops the unfinished message', async () => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode: OP.text, payload: 'never ', fin: false }),
        encodeFrame({ opcode: OP.close, payload: closePayload(1000) }),
        encodeFrame({ opcode: OP.continuation, payload: 'finished' }),
      ]),
    );
    await client.expectClose(1000);
  });

  it.each([
    ['with FIN set', true, 'orphan'],
    ['with FIN clear', false, 'orphan'],
    ['empty, with FIN set', true, ''],
  ])('fails with 1002 when a continuation frame arrives %s with no message started', async (_label, fin, payload) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.continuation, payload, fin });
    await client.expectClose(1002);
  });

  it('fails with 1002 when a continuation frame follows a message that was already complete', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.text, payload: 'complete' });
    await client.expectMessage(OP.text, 'complete');
    await client.sendFrame({ opcode: OP.continuation, payload: 'too late' });
    await client.expectClose(1002);
  });

  it.each([
    ['a text frame', 'a fragmented text message', { opcode: OP.text, fin: true, messageOpcode: OP.text }],
    ['a text frame with FIN clear', 'a fragmented text message', { opcode: OP.text, fin: false, messageOpcode: OP.text }],
    ['a binary frame', 'a fragmented text message', { opcode: OP.binary, fin: true, messageOpcode: OP.text }],
    ['a text frame', 'a fragmented binary message', { opcode: OP.text, fin: true, messageOpcode: OP.binary }],
    ['a binary frame with FIN clear', 'a fragmented binary message', { opcode: OP.binary, fin: false, messageOpcode: OP.binary }],
  ])('fails with 1002 when %s arrives inside %s', async (_frame, _message, { opcode, fin, messageOpcode }) => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode: messageOpcode, payload: 'start', fin: false }),
        encodeFrame({ opcode, payload: 'intruder', fin }),
        encodeFrame({ opcode: OP.continuation, payload: 'end' }),
      ]),
    );
    await client.expectClose(1002);
  });

  it.each([
    ['a ping', OP.ping, Buffer.from('ping')],
    ['a pong', OP.pong, Buffer.from('pong')],
    ['a close frame', OP.close, closePayload(1000)],
  ])('fails with 1002 when %s is fragmented', async (_label, opcode, payload) => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode, payload: payload.subarray(0, 1), fin: false }),
        encodeFrame({ opcode: OP.continuation, payload: payload.subarray(1) }),
      ]),
    );
    await client.expectClose(1002);
  });

  it('fails with 1002 when a ping with FIN clear arrives inside a fragmented message', async () => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode: OP.text, payload: 'start', fin: false }),
        encodeFrame({ opcode: OP.ping, payload: 'ping', fin: false }),
      ]),
    );
    await client.expectClose(1002);
  });
});
