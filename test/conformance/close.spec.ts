import { useEchoServer } from '../helpers/echo-suite';
import { OP, closePayload, encodeFrame, hex } from '../helpers/raw-frames';

// RFC 6455 §5.5.1 and §7: the server answers a close frame with a close frame (echoing the
// status code, DESIGN.md) and then closes TCP first (§7.1.1); nothing after a close is processed.
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
// §7.4.1-7.4.2: below 1000, 1004-1006 and 1015 reserved, 1016-2999 unassigned, 5000+ out of range.
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65_535];

describe('close: the closing handshake is answered, and bad close frames fail', () => {
  const suite = useEchoServer();

  it.each(VALID_CODES)('echoes a close frame with code %d and closes TCP', async (code) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(code) });
    await client.expectClose(code, '');
  });

  it.each([
    ['an empty reason', ''],
    ["the reason 'bye'", 'bye'],
    ['a UTF-8 reason', 'κόσμε 😀'],
    ['a 123-byte reason, filling the 125-byte control payload', 'r'.repeat(123)],
  ])('echoes a close frame with %s', async (_label, reason) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(1000, reason) });
    await client.expectClose(1000, reason);
  });

  it('answers an empty close frame with an empty close frame', async () => {
    const client = await suite.connect();
    await client.write(hex('88 80 00 00 00 00')); // masked close, empty, zero mask key
    await client.expectClose(null);
  });

  it('echoes a close frame written byte by byte', async () => {
    const client = await suite.connect();
    await client.writeChopped(encodeFrame({ opcode: OP.close, payload: closePayload(1000, 'chopped') }), 1);
    await client.expectClose(1000, 'chopped');
  });

  it('echoes a close frame that follows an echoed message', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.text, payload: 'last words' });
    await client.expectMessage(OP.text, 'last words');
    await client.sendFrame({ opcode: OP.close, payload: closePayload(1001, 'going') });
    await client.expectClose(1001, 'going');
  });

  it.each(INVALID_CODES)('fails with 1002 when a close frame carries the code %d', async (code) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(code) });
    await client.expectClose(1002);
  });

  it('fails with 1002 when a close payload is a single byte', async () => {
    const client = await suite.connect();
    await client.write(hex('88 81 00 00 00 00 03')); // masked close, 1-byte payload, zero mask key
    await client.expectClose(1002);
  });

  it('fails with 1002 when a close frame carries a 124-byte reason (126-byte payload)', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(1000, 'r'.repeat(124)) });
    await client.expectClose(1002);
  });

  it.each([
    ['a lone continuation byte', hex('80')],
    ['a surrogate', hex('ed a0 80')],
    ['an overlong encoding', hex('c0 af')],
    ['a truncated sequence at its end', Buffer.concat([Buffer.from('bye '), hex('ce')])],
    ["'κόσμε' + ed a0 80 + 'edited'", Buffer.concat([Buffer.from('κόσμε'), hex('ed a0 80'), Buffer.from('edited')])],
  ])('fails with 1007 when a close reason contains %s', async (_label, reason) => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(1000, reason) });
    await client.expectClose(1007);
  });

  it.each([
    ['a text frame', encodeFrame({ opcode: OP.text, payload: 'ignored' })],
    ['a binary frame', encodeFrame({ opcode: OP.binary, payload: hex('01 02 03') })],
    ['a ping', encodeFrame({ opcode: OP.ping, payload: 'ignored' })],
    ['a second close frame', encodeFrame({ opcode: OP.close, payload: closePayload(3000) })],
    ['a frame with a reserved opcode', encodeFrame({ opcode: 0x3 })],
    ['an invalid UTF-8 text frame', encodeFrame({ opcode: OP.text, payload: hex('ff') })],
    ['an unmasked text frame', encodeFrame({ opcode: OP.text, payload: 'unmasked', mask: false })],
  ])('ignores %s sent after the close frame: only the close echo arrives', async (_label, after) => {
    const client = await suite.connect();
    await client.write(Buffer.concat([encodeFrame({ opcode: OP.close, payload: closePayload(1000, 'done') }), after]));
    await client.expectClose(1000, 'done');
  });

  it('ignores a ping written after the close frame, once the close echo has arrived', async () => {
    const client = await suite.connect();
    await client.sendFrame({ opcode: OP.close, payload: closePayload(4000) });
    const echo = await client.nextFrame();
    await client.sendFrame({ opcode: OP.ping, payload: 'too late' });
    expect({ opcode: echo.opcode, code: echo.payload.readUInt16BE(0) }).toEqual({ opcode: OP.close, code: 4000 });
    await client.expectTcpClosed();
  });
});
