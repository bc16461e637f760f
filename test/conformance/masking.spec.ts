import { useEchoServer } from '../helpers/echo-suite';
import { OP, closePayload, encodeFrame, hex } from '../helpers/raw-frames';
import { binaryOf } from '../helpers/sized-payloads';

// RFC 6455 §5.1: a client MUST mask every frame it sends, and a server MUST close the
// connection on an unmasked frame; §5.3: the key is any 32 bits, so every key must unmask.
describe('masking: client frames must be masked, with any key', () => {
  const suite = useEchoServer();

  it.each([
    ['an unmasked text frame', encodeFrame({ opcode: OP.text, payload: 'Hello', mask: false })],
    ['an unmasked empty text frame', encodeFrame({ opcode: OP.text, mask: false })],
    ['an unmasked binary frame', encodeFrame({ opcode: OP.binary, payload: binaryOf(200), mask: false })],
    ['an unmasked ping', encodeFrame({ opcode: OP.ping, payload: 'ping', mask: false })],
    ['an unmasked pong', encodeFrame({ opcode: OP.pong, payload: 'pong', mask: false })],
    ['an unmasked close frame', encodeFrame({ opcode: OP.close, payload: closePayload(1000), mask: false })],
    [
      'an unmasked continuation frame',
      Buffer.concat([encodeFrame({ opcode: OP.text, payload: 'masked ', fin: false }), encodeFrame({ opcode: OP.continuation, payload: 'not', mask: false })]),
    ],
  ])('fails with 1002 when the client sends %s', async (_label, bytes) => {
    const client = await suite.connect();
    await client.write(bytes);
    await client.expectClose(1002);
  });

  it('fails with 1002 on an unmasked text frame after a masked one was echoed', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.text, payload: 'masked' });
    await client.expectMessage(OP.text, 'masked');
    await client.write(hex('81 03 61 62 63')); // unmasked text 'abc'
    await client.expectClose(1002);
  });

  it.each([
    ['the all-zero mask key', hex('00 00 00 00')],
    ['the all-ones mask key', hex('ff ff ff ff')],
    ['the RFC 6455 §5.7 example mask key', hex('37 fa 21 3d')],
  ])('echoes a message masked with %s', async (_label, maskKey) => {
    const client = await suite.connect();
    const payload = binaryOf(1000);
    await client.sendFrame({ opcode: OP.binary, payload, maskKey });
    await client.expectMessage(OP.binary, payload);
  });

  it('unmasks the RFC 6455 §5.7 example frame to "Hello"', async () => {
    const client = await suite.connect();
    await client.write(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    await client.expectMessage(OP.text, 'Hello');
  });

  it('echoes every fragment of one message masked with a different key', async () => {
    const client = await suite.connect();
    await client.write(
      Buffer.concat([
        encodeFrame({ opcode: OP.text, payload: 'one ', fin: false, maskKey: hex('01 02 03 04') }),
        encodeFrame({ opcode: OP.continuation, payload: 'two ', fin: false, maskKey: hex('a0 b0 c0 d0') }),
        encodeFrame({ opcode: OP.continuation, payload: 'three', maskKey: hex('00 00 00 00') }),
      ]),
    );
    await client.expectMessage(OP.text, 'one two three');
  });
});
