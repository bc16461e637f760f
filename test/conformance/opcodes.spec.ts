import { useEchoServer } from '../helpers/echo-suite';
import { OP, encodeFrame } from '../helpers/raw-frames';
import { RawClient } from '../helpers/raw-client';

// RFC 6455 §5.2: 0x3-0x7 are reserved for further non-control frames and 0xB-0xF for further
// control frames; with no extension negotiated, receiving one fails the connection (1002).
const RESERVED_OPCODES = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf];

interface Context {
  how: string;
  send(client: RawClient, opcode: number): Promise<unknown>;
}

const CONTEXTS: Context[] = [
  { how: 'empty', send: (client, opcode) => client.sendFrame({ opcode }) },
  { how: 'with a payload', send: (client, opcode) => client.sendFrame({ opcode, payload: 'reserved payload' }) },
  { how: 'with FIN clear', send: (client, opcode) => client.sendFrame({ opcode, payload: 'x', fin: false }) },
  {
    how: 'after a message that was echoed',
    send: async (client, opcode) => {
      await client.sendFrame({ opcode: OP.text, payload: 'valid' });
      await client.expectMessage(OP.text, 'valid');
      return client.sendFrame({ opcode, payload: 'reserved' });
    },
  },
  {
    how: 'between the fragments of a text message',
    send: (client, opcode) =>
      client.write(
        Buffer.concat([
          encodeFrame({ opcode: OP.text, payload: 'frag', fin: false }),
          encodeFrame({ opcode }),
          encodeFrame({ opcode: OP.continuation, payload: 'ment' }),
        ]),
      ),
  },
];

describe('reserved opcodes: a frame with an undefined opcode fails the connection', () => {
  const suite = useEchoServer();

  const cases = CONTEXTS.flatMap((context) =>
    RESERVED_OPCODES.map((opcode) => [`0x${opcode.toString(16).toUpperCase()}`, context.how, opcode, context] as const),
  );

  it.each(cases)('fails with 1002 when a frame with opcode %s arrives %s', async (_label, _how, opcode, context) => {
    const client = await suite.connect();
    await context.send(client, opcode);
    await client.expectClose(1002);
  });
});
