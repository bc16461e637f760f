import { useEchoServer } from '../helpers/echo-suite';
import { OP, encodeFrame, hex } from '../helpers/raw-frames';
import { binaryOf } from '../helpers/sized-payloads';

const ALL_BYTE_VALUES_125 = Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 73 + 255) & 0xff));

describe('ping/pong: the server answers each ping with a pong (RFC 6455 §5.5.2, §5.5.3)', () => {
  const suite = useEchoServer();

  it.each([
    ['an empty payload', Buffer.alloc(0)],
    ['a text payload', Buffer.from('Hello, world!')],
    ['a 125-byte payload', binaryOf(125)],
    ['a binary payload with every kind of byte', ALL_BYTE_VALUES_125],
    ['a payload that is not valid UTF-8', hex('ff fe 80 c0 af ed a0 80')],
  ])('answers a ping with %s by a pong carrying the same payload', async (_label, payload) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.ping, payload });
    await client.expectMessage(OP.pong, payload);
  });

  it('answers a ping written byte by byte with a pong', async () => {
    const client = await suite.connect();
    const payload = Buffer.from('chopped ping');
    await client.writeChopped(encodeFrame({ opcode: OP.ping, payload }), 1);
    await client.expectMessage(OP.pong, payload);
  });

  it('answers a 125-byte ping written byte by byte with a pong', async () => {
    const client = await suite.connect();
    await client.writeChopped(encodeFrame({ opcode: OP.ping, payload: ALL_BYTE_VALUES_125 }), 1);
    await client.expectMessage(OP.pong, ALL_BYTE_VALUES_125);
  });

  it('answers 10 pings written in one piece with 10 pongs in order', async () => {
    const client = await suite.connect();
    const payloads = Array.from({ length: 10 }, (_, i) => Buffer.from(`ping ${i}`));
    await client.write(Buffer.concat(payloads.map((payload) => encodeFrame({ opcode: OP.ping, payload }))));
    for (const payload of payloads) await client.expectMessage(OP.pong, payload);
  });

  it('answers 10 pings written one after another with 10 pongs in order', async () => {
    const client = await suite.connect();
    const payloads = Array.from({ length: 10 }, (_, i) => binaryOf(i * 12));
    for (const payload of payloads) await client.sendFrame({ opcode: OP.ping, payload });
    for (const payload of payloads) await client.expectMessage(OP.pong, payload);
  });

  it('answers a ping sent between two messages and still echoes both in order', async () => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode: OP.text, payload: 'before' }),
        encodeFrame({ opcode: OP.ping, payload: 'ping' }),
        encodeFrame({ opcode: OP.text, payload: 'after' }),
      ]),
    );
    // §5.5.2 asks for a pong "as soon as is practical"; its place relative to echoes is not fixed.
    const frames = [await client.nextFrame(), await client.nextFrame(), await client.nextFrame()];
    const summary = (opcode: number) => frames.filter((frame) => frame.opcode === opcode).map((frame) => frame.payload.toString());
    expect({ pongs: summary(OP.pong), echoes: summary(OP.text) }).toEqual({ pongs: ['ping'], echoes: ['before', 'after'] });
  });

  it.each([
    ['an empty unsolicited pong', Buffer.alloc(0)],
    ['an unsolicited pong with a payload', Buffer.from('unsolicited')],
    ['an unsolicited 125-byte pong', binaryOf(125)],
  ])('ignores %s and keeps echoing', async (_label, payload) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.pong, payload });
    await client.sendFrame({ opcode: OP.text, payload: 'still here' });
    await client.expectMessage(OP.text, 'still here');
  });

  it('fails with 1002 when a ping carries 126 bytes, over the control frame limit of §5.5', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.ping, payload: binaryOf(126) });
    await client.expectClose(1002);
  });

  it('fails with 1002 when a pong carries 126 bytes, over the control frame limit of §5.5', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.pong, payload: binaryOf(126) });
    await client.expectClose(1002);
  });

  it('fails with 1002 when a ping declares 126 bytes, before its payload is sent', async () => {
    const client = await suite.connect();
    await client.write(hex('89 fe 00 7e 00 00 00 00')); // masked ping, 16-bit length 126, zero mask key, no payload
    await client.expectClose(1002);
  });

  it('fails with 1002 when a ping arrives with FIN clear', async () => {
    const client = await suite.connect();
    await client.write(hex('09 80 00 00 00 00')); // masked ping, FIN clear, empty
    await client.expectClose(1002);
  });

  it('fails with 1002 when a fragmented ping is followed by its continuation', async () => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode: OP.ping, payload: 'frag', fin: false }),
        encodeFrame({ opcode: OP.continuation, payload: 'ment' }),
      ]),
    );
    await client.expectClose(1002);
  });
});
