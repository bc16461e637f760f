import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { maskedFrame, unmaskedFrame } from '../../helpers/frames';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 4 << 20, onBufferOverflow: 'close' };

/** The check phase of this turn of the event loop has run: the next read is in a new turn. */
const nextLoopTurn = (): Promise<void> => new Promise(setImmediate);

const messages = (count: number): string[] => Array.from({ length: count }, (_, i) => `message ${i}`);
const pipelined = (texts: string[]): Buffer => Buffer.concat(texts.map((text) => maskedFrame(Opcode.Text, text)));
const replies = (texts: string[]): Buffer => Buffer.concat(texts.map((text) => unmaskedFrame(Opcode.Text, text)));

/** An echo, as a user writes it, recording how many writes had reached the socket when each message arrived. */
function echoServer(socket: RecordingDuplex): { connection: Connection; writesAtDelivery: number[] } {
  const connection = new Connection(socket, OPTIONS);
  const writesAtDelivery: number[] = [];
  connection.on('message', (message) => {
    writesAtDelivery.push(socket.chunks.length);
    connection.send(message);
  });
  return { connection, writesAtDelivery };
}

describe('Connection: the replies to one read, by how busy the event loop is (issue 17)', () => {
  const sockets: RecordingDuplex[] = [];
  const newSocket = (): RecordingDuplex => {
    const socket = new RecordingDuplex();
    sockets.push(socket);
    return socket;
  };

  /** The loop reads only this socket, this turn and the last: a turn that read one socket, then a new turn. */
  async function aloneInTheLoop(): Promise<void> {
    await nextLoopTurn();
    echoServer(newSocket()).connection.open(maskedFrame(Opcode.Text, 'warm-up'));
    await nextLoopTurn();
  }

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  it('with one busy socket, sends the first replies of a pipelined read before reading the rest: 8 messages leave in 4 writes of 2, in order', async () => {
    await aloneInTheLoop();
    const socket = newSocket();
    const { connection, writesAtDelivery } = echoServer(socket);
    const texts = messages(8);

    connection.open(pipelined(texts));

    expect(writesAtDelivery).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(socket.chunks).toEqual([replies(texts.slice(0, 2)), replies(texts.slice(2, 4)), replies(texts.slice(4, 6)), replies(texts.slice(6))]);
  });

  it.each([2, 3, 5, 31, 32, 33])('keeps %i replies in order, in at most 4 writes', async (count) => {
    await aloneInTheLoop();
    const socket = newSocket();
    const texts = messages(count);

    echoServer(socket).connection.open(pipelined(texts));

    expect(socket.written).toEqual(replies(texts));
    expect(socket.chunks.length).toBeGreaterThan(1);
    expect(socket.chunks.length).toBeLessThanOrEqual(4);
  });

  it('when the loop reads several sockets in one turn, answers each later read in one write, and the next turn too', async () => {
    await aloneInTheLoop();
    const [first, second, third] = [newSocket(), newSocket(), newSocket()];
    const texts = messages(8);

    // One turn of the loop: three sockets read, as when epoll reports them ready together.
    echoServer(first).connection.open(pipelined(texts));
    echoServer(second).connection.open(pipelined(texts));
    await nextLoopTurn();
    echoServer(third).connection.open(pipelined(texts));

    expect(first.chunks.length).toBe(4); // the loop did not know yet that more reads would follow
    expect(second.chunks).toEqual([replies(texts)]);
    expect(third.chunks).toEqual([replies(texts)]); // the last turn was busy
  });

  it('survives its socket destroyed by a handler in the middle of a split read: no throw, nothing written after it', async () => {
    await aloneInTheLoop();
    const socket = newSocket();
    const connection = new Connection(socket, OPTIONS);
    const texts = messages(8);
    connection.on('message', (message) => {
      if (message === texts[3]) socket.destroy();
      else connection.send(message);
    });

    connection.open(pipelined(texts));

    expect(socket.written).toEqual(replies(texts.slice(0, 2)));
    await connection.closed;
  });

  it('answers a read of one message in one write, as soon as the read is done', async () => {
    await aloneInTheLoop();
    const socket = newSocket();

    echoServer(socket).connection.open(maskedFrame(Opcode.Text, 'one'));

    expect(socket.chunks).toEqual([unmaskedFrame(Opcode.Text, 'one')]);
  });

  it('fails the connection on a bad frame in the middle of a split read: the replies before it and the close frame leave, nothing after', async () => {
    await aloneInTheLoop();
    const socket = newSocket();
    const { connection, writesAtDelivery } = echoServer(socket);
    const texts = messages(4);
    const badFrame = maskedFrame(0x3, 'reserved opcode'); // §5.2: 0x3-0x7 are reserved for non-control frames
    const read = Buffer.concat([pipelined(texts.slice(0, 2)), badFrame, pipelined(texts.slice(2))]);

    connection.open(read);

    expect(writesAtDelivery).toEqual([0, 1]);
    const closeFrame = socket.written.subarray(replies(texts.slice(0, 2)).length);
    expect(socket.written.subarray(0, replies(texts.slice(0, 2)).length)).toEqual(replies(texts.slice(0, 2)));
    expect(closeFrame[0]).toBe(0x88); // FIN + close (§5.5.1)
    expect(closeFrame[1]).toBe(closeFrame.length - 2); // one close frame, nothing after it
    expect(closeFrame.readUInt16BE(2)).toBe(1002);
    expect(connection.readyState).not.toBe(1);
  });
});
