import { useEchoServer } from '../helpers/echo-suite';
import { OP, closePayload, encodeFrame } from '../helpers/raw-frames';
import { RawClient } from '../helpers/raw-client';

// RFC 6455 §5.2: RSV1-3 MUST be 0 unless an extension defines them; none is negotiated here
// (the raw client offers no extension), so any set bit fails the connection with 1002.
const RSV_COMBINATIONS = [1, 2, 3, 4, 5, 6, 7].map((rsv) => {
  const bits = [rsv & 4 ? 'RSV1' : '', rsv & 2 ? 'RSV2' : '', rsv & 1 ? 'RSV3' : ''].filter(Boolean).join('+');
  return { rsv, bits };
});

interface Context {
  frame: string;
  send(client: RawClient, rsv: number): Promise<unknown>;
}

const CONTEXTS: Context[] = [
  { frame: 'a text frame', send: (client, rsv) => client.sendFrame({ opcode: OP.text, payload: 'Hello', rsv }) },
  { frame: 'a binary frame', send: (client, rsv) => client.sendFrame({ opcode: OP.binary, payload: Buffer.from([1, 2, 3]), rsv }) },
  { frame: 'an empty text frame', send: (client, rsv) => client.sendFrame({ opcode: OP.text, rsv }) },
  { frame: 'a ping', send: (client, rsv) => client.sendFrame({ opcode: OP.ping, payload: 'ping', rsv }) },
  { frame: 'a pong', send: (client, rsv) => client.sendFrame({ opcode: OP.pong, payload: 'pong', rsv }) },
  { frame: 'a close frame', send: (client, rsv) => client.sendFrame({ opcode: OP.close, payload: closePayload(1000), rsv }) },
  {
    frame: 'a continuation frame',
    send: (client, rsv) =>
      client.write(
        Buffer.concat([
          encodeFrame({ opcode: OP.text, payload: 'frag', fin: false }),
          encodeFrame({ opcode: OP.continuation, payload: 'ment', rsv }),
        ]),
      ),
  },
  {
    frame: 'a text frame after a valid echo',
    send: async (client, rsv) => {
      await client.sendFrame({ opcode: OP.text, payload: 'valid' });
      await client.expectMessage(OP.text, 'valid');
      return client.sendFrame({ opcode: OP.text, payload: 'invalid', rsv });
    },
  },
];

describe('reserved bits: a frame with RSV1, RSV2 or RSV3 set fails the connection', () => {
  const suite = useEchoServer();

  const cases = CONTEXTS.flatMap((context) => RSV_COMBINATIONS.map(({ rsv, bits }) => [bits, context.frame, rsv, context] as const));

  it.each(cases)('fails with 1002 when %s is set on %s', async (_bits, _frame, rsv, context) => {
    const client = await suite.connect();
    await context.send(client, rsv);
    await client.expectClose(1002);
  });
});
