import { once } from 'node:events';
import { Connection, ConnectionOptions, ReadyState } from '../../../lib/transport/connection';
import { DeflateChannel } from '../../../lib/transport/deflate/deflate-channel';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };

const ENDINGS = [
  { name: 'the socket is reset', end: (_connection: Connection, socket: RecordingDuplex) => void socket.destroy() },
  { name: 'terminate()', end: (connection: Connection) => connection.terminate() },
];

/**
 * CLOSED is final: a compression still running when the socket closed may fail afterwards (zlib
 * contexts are closed with the connection). It used to fail the connection again, which took
 * readyState back from CLOSED to CLOSING and "sent" a 1011 close frame after the close event.
 */
describe('Connection: a compression that fails after the socket closed', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each(ENDINGS)('leaves readyState CLOSED when $name during it, and writes nothing', async ({ end }) => {
    let failCompression!: (error: Error) => void;
    jest.spyOn(DeflateChannel.prototype, 'compress').mockImplementation(() => new Promise((_resolve, reject) => (failCompression = reject)));
    const socket = new RecordingDuplex();
    const unexpected: unknown[] = [];
    const connection = new Connection(socket, { ...OPTIONS, deflate: deflateParams(true), onUnexpectedError: (error) => unexpected.push(error) });
    connection.open();
    expect(connection.send('x'.repeat(4096))).toBe(true); // past the 1 KiB threshold: compressed
    const closed = once(connection, 'close');

    end(connection, socket);
    await closed;
    failCompression(new Error('zlib failed'));
    await new Promise((resolve) => setImmediate(resolve));

    expect({ readyState: connection.readyState, written: socket.written.length, unexpected: unexpected.length }).toEqual({
      readyState: ReadyState.Closed,
      written: 0,
      unexpected: 1, // the zlib failure is still told, once
    });
  });
});
