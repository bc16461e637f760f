import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { writeRefusal } from '../../../lib/transport/write-refusal';
import { RecordingDuplex } from '../../helpers/recording-duplex';

/** The HTTP response written to the socket, split into its parts. */
const responseOf = (socket: RecordingDuplex): { lines: string[]; body: string } => {
  const text = socket.written.toString('utf8');
  const headEnd = text.indexOf('\r\n\r\n');
  expect(headEnd).toBeGreaterThan(0);
  return { lines: text.slice(0, headEnd).split('\r\n'), body: text.slice(headEnd + 4) };
};

describe('writeRefusal', () => {
  let socket: RecordingDuplex;

  beforeEach(() => {
    // Streams emit 'close' on process.nextTick: only the timers are faked.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    socket = new RecordingDuplex();
  });

  afterEach(() => {
    socket.destroy();
    jest.useRealTimers();
  });

  it('writes a complete response: status line, Connection: close, Content-Type, Content-Length, blank line, body', () => {
    writeRefusal(socket, new HandshakeRefusal(403, 'origin not allowed'));

    expect(socket.written.toString()).toBe(
      'HTTP/1.1 403 Forbidden\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 19\r\n' +
        '\r\n' +
        'origin not allowed\n',
    );
  });

  it('adds the refusal headers, e.g. Sec-WebSocket-Version: 13 on a 426', () => {
    writeRefusal(socket, new HandshakeRefusal(426, 'Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': '13' }));

    const { lines, body } = responseOf(socket);
    expect(lines[0]).toBe('HTTP/1.1 426 Upgrade Required');
    expect(lines).toContain('Sec-WebSocket-Version: 13');
    expect(lines).toContain('Connection: close');
    expect(body).toBe('Sec-WebSocket-Version must be 13\n');
  });

  it('counts Content-Length in bytes, not characters, for a UTF-8 body', () => {
    writeRefusal(socket, new HandshakeRefusal(401, 'Zugriff verweigert – bitte anmelden ü'));

    const { lines, body } = responseOf(socket);
    expect(lines).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
  });

  it('uses "Error" as the reason phrase for a status Node does not name', () => {
    writeRefusal(socket, new HandshakeRefusal(599, 'odd'));

    expect(responseOf(socket).lines[0]).toBe('HTTP/1.1 599 Error');
  });

  it('ends the socket after the response', () => {
    writeRefusal(socket, new HandshakeRefusal(404, 'no WebSocket endpoint on this path'));

    expect(socket.writableEnded).toBe(true);
  });

  it('destroys a socket whose peer never hangs up after a 2 s linger', () => {
    writeRefusal(socket, new HandshakeRefusal(503, 'connection limit reached'));

    jest.advanceTimersByTime(1_999);
    expect(socket.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(socket.destroyed).toBe(true);
  });

  it('clears the linger timer when the socket closes first', async () => {
    writeRefusal(socket, new HandshakeRefusal(400, 'bad request'));
    expect(jest.getTimerCount()).toBe(1);

    socket.destroy();
    await new Promise((resolve) => socket.once('close', resolve));

    expect(jest.getTimerCount()).toBe(0);
  });

  it('writes nothing to a socket that is already destroyed', () => {
    socket.destroy();

    writeRefusal(socket, new HandshakeRefusal(400, 'bad request'));

    expect(socket.chunks).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
