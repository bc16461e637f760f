import { once } from 'node:events';
import { Opcode } from '../../../lib/protocol/opcode';
import { CloseEvent, Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { maskedFrame } from '../../helpers/frames';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 1 << 20, onBufferOverflow: 'close' };
const ABNORMAL: CloseEvent = { code: 1006, reason: '', wasClean: false };

describe('Connection', () => {
  let socket: RecordingDuplex;

  beforeEach(() => {
    socket = new RecordingDuplex();
  });

  afterEach(() => socket.destroy());

  const closeSocket = async (connection: Connection): Promise<CloseEvent> => {
    const closing = once(connection, 'close') as Promise<[CloseEvent]>;
    socket.destroy();
    const [event] = await closing;
    return event;
  };

  describe('closed', () => {
    it('resolves with the close event when it was read before the socket closed', async () => {
      const connection = new Connection(socket, OPTIONS);
      const closed = connection.closed;

      const event = await closeSocket(connection);

      await expect(closed).resolves.toBe(event);
      expect(event).toEqual(ABNORMAL);
    });

    it('resolves with the close event when it is first read after the socket closed', async () => {
      const connection = new Connection(socket, OPTIONS);
      const event = await closeSocket(connection);

      await expect(connection.closed).resolves.toBe(event);
    });

    it('is the same promise on every read', async () => {
      const connection = new Connection(socket, OPTIONS);
      const before = connection.closed;

      expect(connection.closed).toBe(before);
      await closeSocket(connection);
      expect(connection.closed).toBe(before);
    });
  });

  it('tells the onClose hook with the close event, before the close listeners', async () => {
    const calls: string[] = [];
    const connection = new Connection(socket, {
      ...OPTIONS,
      onClose: (closedConnection, event) => calls.push(`hook ${closedConnection === connection} ${event.code}`),
    });
    connection.on('close', (event) => calls.push(`listener ${event.code}`));

    await closeSocket(connection);

    expect(calls).toEqual(['hook true 1006', 'listener 1006']);
  });

  it('parses bytes from the handshake packet and from later reads alike', async () => {
    const connection = new Connection(socket, OPTIONS);
    const messages: Array<string | Buffer> = [];
    connection.on('message', (message) => messages.push(message));

    connection.open(maskedFrame(Opcode.Text, 'in the handshake packet'));
    socket.push(maskedFrame(Opcode.Binary, 'later'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(messages).toEqual(['in the handshake packet', Buffer.from('later')]);
  });

  it('reports a pong to the heartbeat once, at its next check', async () => {
    const connection = new Connection(socket, OPTIONS);
    connection.open();
    expect(connection.pongSeenSinceLastCheck()).toBe(false);

    socket.push(maskedFrame(Opcode.Pong, 'beat'));
    await once(connection, 'pong');

    expect(connection.pongSeenSinceLastCheck()).toBe(true);
    expect(connection.pongSeenSinceLastCheck()).toBe(false);
  });

  it('gives each connection a random version 4 UUID', () => {
    const other = new RecordingDuplex();
    const first = new Connection(socket, OPTIONS);
    const second = new Connection(other, OPTIONS);
    other.destroy();

    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.id).not.toBe(first.id);
  });
});
