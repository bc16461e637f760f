import { once } from 'node:events';
import WebSocket from 'ws';
import { startEchoServer, EchoServer } from '../fixtures/echo-server';
import { MESSAGE_SIZES, binaryOf, sizeLabel, textOf } from './interop-cases';

// The `ws` npm client is an independent implementation: it must see our server as a correct peer.
describe('interop: the ws npm client against /echo', () => {
  let server: EchoServer;
  let client: WebSocket;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    client = new WebSocket(`${server.url}/echo`, ['chat'], { maxPayload: 32 << 20 });
    await once(client, 'open');
  });
  afterEach(async () => {
    if (client.readyState === WebSocket.CLOSED) return;
    const closed = once(client, 'close');
    client.terminate();
    await closed;
  });

  const nextMessage = async (): Promise<{ data: Buffer; isBinary: boolean }> => {
    const [data, isBinary] = (await once(client, 'message')) as [Buffer, boolean];
    return { data, isBinary };
  };

  it('negotiates the first subprotocol the client offers', () => {
    expect(client.protocol).toBe('chat');
  });

  it.each(MESSAGE_SIZES.map((size) => [sizeLabel(size), size]))('echoes a %s text message whole', async (_label, size) => {
    const text = textOf(size);
    client.send(text);
    const reply = await nextMessage();
    expect(reply.isBinary).toBe(false);
    expect(reply.data.toString('utf8')).toBe(text);
  });

  it.each(MESSAGE_SIZES.map((size) => [sizeLabel(size), size]))('echoes a %s binary message whole', async (_label, size) => {
    const bytes = binaryOf(size);
    client.send(bytes);
    const reply = await nextMessage();
    expect(reply.isBinary).toBe(true);
    expect(reply.data.equals(bytes)).toBe(true);
  });

  it.each([
    ['binary', 4, 64 << 10],
    ['binary', 16, 1 << 20],
    ['text', 3, 1 << 10],
    ['text', 8, 2 << 20],
  ] as const)('echoes a %s message sent in %d fragments of %d bytes as one message', async (kind, count, fragmentBytes) => {
    const whole = kind === 'binary' ? binaryOf(count * fragmentBytes) : Buffer.from(textOf(count * fragmentBytes));
    for (let i = 0; i < count; i++) {
      const fragment = whole.subarray(i * fragmentBytes, (i + 1) * fragmentBytes);
      client.send(fragment, { binary: kind === 'binary', fin: i === count - 1 });
    }
    const reply = await nextMessage();
    expect(reply.isBinary).toBe(kind === 'binary');
    expect(reply.data.equals(whole)).toBe(true);
  });

  it('sees its own close code and reason echoed back', async () => {
    client.close(4001, 'bye');
    const [code, reason] = (await once(client, 'close')) as [number, Buffer];
    expect(code).toBe(4001);
    expect(reason.toString()).toBe('bye');
  });

  it('sees 1009 when it sends a message over the limit', async () => {
    client.send(Buffer.alloc(server.maxMessageBytes + 1));
    const [code] = (await once(client, 'close')) as [number, Buffer];
    expect(code).toBe(1009);
  });

  it('sees 1007 when it sends a text frame that is not UTF-8', async () => {
    client.send(Buffer.from([0x68, 0x69, 0xc0, 0xaf]), { binary: false });
    const [code] = (await once(client, 'close')) as [number, Buffer];
    expect(code).toBe(1007);
  });

  it('gets pongs for its pings with the same payload', async () => {
    client.ping(Buffer.from('are you there'));
    const [payload] = (await once(client, 'pong')) as [Buffer];
    expect(payload.toString()).toBe('are you there');
  });
});

describe('interop: the ws npm client during a server shutdown', () => {
  it('sees 1001 when the server shuts down', async () => {
    const server = await startEchoServer();
    const client = new WebSocket(`${server.url}/echo`);
    await once(client, 'open');
    const closed = once(client, 'close');
    await server.close();
    const [code] = (await closed) as [number, Buffer];
    expect(code).toBe(1001);
  });
});
