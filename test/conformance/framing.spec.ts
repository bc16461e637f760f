import { useEchoServer } from '../helpers/echo-suite';
import { OP, encodeFrame, splitEvery } from '../helpers/raw-frames';
import { MiB, binaryOf, sizeLabel, textOf } from '../helpers/sized-payloads';
import { DEFAULT_WAIT_MS } from '../helpers/raw-client';

// RFC 6455 §5.2: the 7-bit, 16-bit and 64-bit length forms and their edges, up to the 16 MiB echo limit.
const SIZES = [0, 125, 126, 127, 128, 65_535, 65_536, 65_537, MiB, 16 * MiB];
const KINDS = [
  { kind: 'text', opcode: OP.text, payloadOf: textOf },
  { kind: 'binary', opcode: OP.binary, payloadOf: binaryOf },
] as const;
const CASES = KINDS.flatMap(({ kind, opcode, payloadOf }) =>
  SIZES.map((size) => [kind, sizeLabel(size), { opcode, payload: payloadOf(size) }] as const),
);

// Large payloads take longer than a control frame; each wait stays bounded.
const waitMsFor = (payload: Buffer): number => (payload.length >= MiB ? 20_000 : DEFAULT_WAIT_MS);
const TEST_TIMEOUT_MS = 30_000;

describe('framing: ws /echo answers every data frame with the same message', () => {
  const suite = useEchoServer();

  it.each(CASES)('echoes a %s message of %s written in one piece', async (_kind, _size, { opcode, payload }) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode, payload });
    await client.expectMessage(opcode, payload, waitMsFor(payload));
  }, TEST_TIMEOUT_MS);

  it.each(CASES)('echoes a %s message of %s written in small separate pieces', async (_kind, _size, { opcode, payload }) => {
    const client = await suite.connect();
    const frame = encodeFrame({ opcode, payload });
    const headerBytes = frame.length - payload.length;
    // The header always goes byte by byte; payloads over 128 B go in 997-byte pieces to keep 16 MiB quick.
    await client.writeChopped(frame.subarray(0, headerBytes), 1);
    await client.writeChopped(frame.subarray(headerBytes), payload.length <= 128 ? 1 : 997);
    await client.expectMessage(opcode, payload, waitMsFor(payload));
  }, TEST_TIMEOUT_MS);

  it('echoes messages pipelined in one write in the order they were sent', async () => {
    const client = await suite.connect();
    const messages = [
      { opcode: OP.text, payload: textOf(10) },
      { opcode: OP.binary, payload: binaryOf(300) },
      { opcode: OP.text, payload: textOf(70_000) },
      { opcode: OP.binary, payload: Buffer.alloc(0) },
    ];
    await client.write(Buffer.concat(messages.map((message) => encodeFrame(message))));
    for (const { opcode, payload } of messages) await client.expectMessage(opcode, payload);
  });

  it('echoes 100 small messages written back to back, in order', async () => {
    const client = await suite.connect();
    const payloads = Array.from({ length: 100 }, (_, i) => Buffer.from(`message ${i}`));
    await client.write(Buffer.concat(payloads.map((payload) => encodeFrame({ opcode: OP.text, payload }))));
    for (const payload of payloads) await client.expectMessage(OP.text, payload);
  });

  it('echoes two messages whose frames share pieces when written 7 bytes at a time', async () => {
    const client = await suite.connect();
    const first = binaryOf(200);
    const second = textOf(131);
    const bytes = Buffer.concat([encodeFrame({ opcode: OP.binary, payload: first }), encodeFrame({ opcode: OP.text, payload: second })]);
    for (const piece of splitEvery(bytes, 7)) await client.write(piece);
    await client.expectMessage(OP.binary, first);
    await client.expectMessage(OP.text, second);
  });

  it('keeps a connection open across many echoes', async () => {
    const client = await suite.connect();
    for (let i = 0; i < 20; i++) {
      const payload = binaryOf(i * 50);
      await client.sendFrame({ opcode: OP.binary, payload });
      await client.expectMessage(OP.binary, payload);
    }
  });
});
