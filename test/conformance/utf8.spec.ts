import { useEchoServer } from '../helpers/echo-suite';
import { OP, encodeFragments, encodeFrame, splitEvery } from '../helpers/raw-frames';
import { RawClient } from '../helpers/raw-client';
import { INVALID_UTF8, Utf8Case, VALID_UTF8 } from '../helpers/utf8-cases';

// RFC 6455 §8.1: a text message that is not valid UTF-8 fails the connection with 1007 (§7.4.1).
// §5.6 lets a code point straddle fragments, so validity is judged on the whole message.
interface Delivery {
  how: string;
  send(client: RawClient, bytes: Buffer): Promise<unknown>;
}

const DELIVERIES: Delivery[] = [
  { how: 'in one frame', send: (client, bytes) => client.sendFrame({ opcode: OP.text, payload: bytes }) },
  {
    how: 'in 1-byte fragments',
    send: (client, bytes) => client.write(Buffer.concat(encodeFragments(OP.text, splitEvery(bytes, 1)))),
  },
  {
    how: 'in one frame written byte by byte',
    send: (client, bytes) => client.writeChopped(encodeFrame({ opcode: OP.text, payload: bytes }), 1),
  },
];

const byDelivery = (cases: Utf8Case[]) =>
  DELIVERIES.flatMap((delivery) => cases.map((utf8) => [utf8.name, delivery.how, utf8, delivery] as const));

// Bytes the client would send after the fault, to show the server did not wait for them.
const moreData = (after: Buffer): Buffer => Buffer.alloc(after.length + 16, 'x');
const FAIL_FAST = INVALID_UTF8.filter((utf8) => utf8.failFastBytes !== null);

describe('UTF-8: text messages are validated as a whole, and fail fast', () => {
  const suite = useEchoServer();

  it.each(byDelivery(VALID_UTF8))('echoes %s back exactly (sent %s)', async (_name, _how, { bytes }, delivery) => {
    const client = await suite.connect();
    await delivery.send(client, bytes);
    await client.expectMessage(OP.text, bytes);
  });

  it.each(byDelivery(INVALID_UTF8))('fails with 1007 on %s (sent %s)', async (_name, _how, { bytes }, delivery) => {
    const client = await suite.connect();
    await delivery.send(client, bytes);
    await client.expectClose(1007);
  });

  it.each(FAIL_FAST.map((utf8) => [utf8.name, utf8] as const))(
    'fails with 1007 on %s in a fragment with FIN clear, before the rest of the message',
    async (_name, { bytes, failFastBytes }) => {
      const client = await suite.connect();
      await client.sendFrame({ opcode: OP.text, payload: bytes.subarray(0, failFastBytes ?? 0), fin: false });
      await client.expectClose(1007);
    },
  );

  it.each(FAIL_FAST.map((utf8) => [utf8.name, utf8] as const))(
    'fails with 1007 on %s in the first half of a frame whose second half is never sent',
    async (_name, { bytes, failFastBytes }) => {
      const client = await suite.connect();
      const prefix = bytes.subarray(0, failFastBytes ?? 0);
      const payload = Buffer.concat([prefix, moreData(prefix)]);
      const frame = encodeFrame({ opcode: OP.text, payload });
      await client.write(frame.subarray(0, frame.length - payload.length + prefix.length));
      await client.expectClose(1007);
    },
  );
});
