import { useEchoServer } from '../helpers/echo-suite';
import { OP, encodeHeader, hex } from '../helpers/raw-frames';
import { MiB, binaryOf } from '../helpers/sized-payloads';

// /echo takes messages up to 16 MiB (DESIGN.md); one byte more is 1009 (RFC 6455 §7.4.1).
// A declared length is checked before its payload is awaited (STYLE.md §2), so the close
// arrives while the client has sent nothing but the header.
const ECHO_LIMIT_BYTES = 16 * MiB;
const ZERO_MASK_KEY = hex('00 00 00 00');
const LARGE_WAIT_MS = 20_000;

describe('limits: messages over 16 MiB get 1009, impossible lengths get 1002', () => {
  const suite = useEchoServer();

  it('serves the limit this suite was written for', () => {
    expect(suite.server.maxMessageBytes).toBe(ECHO_LIMIT_BYTES);
  });

  it.each([
    ['text', '16 MiB + 1', OP.text, BigInt(ECHO_LIMIT_BYTES + 1)],
    ['binary', '16 MiB + 1', OP.binary, BigInt(ECHO_LIMIT_BYTES + 1)],
    ['binary', '2^32', OP.binary, 1n << 32n],
    ['binary', '2^63 - 1', OP.binary, (1n << 63n) - 1n],
  ])('fails with 1009 when a %s frame header declares %s bytes, before any payload is sent', async (_kind, _length, opcode, length) => {
    const client = await suite.connect();
    await client.write(encodeHeader({ opcode }, length, ZERO_MASK_KEY));
    await client.expectClose(1009);
  });

  it('fails with 1009 on a header declaring 16 MiB + 1 bytes written byte by byte', async () => {
    const client = await suite.connect();
    await client.writeChopped(encodeHeader({ opcode: OP.binary }, BigInt(ECHO_LIMIT_BYTES + 1), ZERO_MASK_KEY), 1);
    await client.expectClose(1009);
  });

  it('fails with 1009 when the first fragment alone declares 16 MiB + 1 bytes', async () => {
    const client = await suite.connect();
    await client.write(encodeHeader({ opcode: OP.text, fin: false }, BigInt(ECHO_LIMIT_BYTES + 1), ZERO_MASK_KEY));
    await client.expectClose(1009);
  });

  it('fails with 1009 when a last 1-byte fragment takes the message past 16 MiB', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.binary, payload: binaryOf(ECHO_LIMIT_BYTES), fin: false });
    await client.sendFrame({ opcode: OP.continuation, payload: hex('00') });
    await client.expectClose(1009, undefined, LARGE_WAIT_MS);
  }, 30_000);

  it('fails with 1009 when a continuation header takes the message past 16 MiB, before its payload is sent', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.binary, payload: binaryOf(ECHO_LIMIT_BYTES - 100), fin: false });
    await client.write(encodeHeader({ opcode: OP.continuation }, 101n, ZERO_MASK_KEY));
    await client.expectClose(1009, undefined, LARGE_WAIT_MS);
  }, 30_000);

  it('echoes a message of exactly 16 MiB sent in two fragments', async () => {
    const client = await suite.connect();
    const payload = binaryOf(ECHO_LIMIT_BYTES);
    await client.sendFrame({ opcode: OP.binary, payload: payload.subarray(0, ECHO_LIMIT_BYTES / 2), fin: false });
    await client.sendFrame({ opcode: OP.continuation, payload: payload.subarray(ECHO_LIMIT_BYTES / 2) });
    await client.expectMessage(OP.binary, payload, LARGE_WAIT_MS);
  }, 30_000);

  it.each([
    ['8000000000000000', hex('82 ff 80 00 00 00 00 00 00 00 00 00 00 00')],
    ['ffffffffffffffff', hex('82 ff ff ff ff ff ff ff ff ff 00 00 00 00')],
    ['8000000000000001 on a text frame', hex('81 ff 80 00 00 00 00 00 00 01 00 00 00 00')],
  ])('fails with 1002 on a 64-bit length with the top bit set (%s), §5.2', async (_label, header) => {
    const client = await suite.connect();
    await client.write(header);
    await client.expectClose(1002);
  });
});
