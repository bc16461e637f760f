import { WebSocket } from 'undici';
import { startEchoServer, EchoServer } from '../fixtures/echo-server';
import { MESSAGE_SIZES, binaryOf, sizeLabel, textOf } from './interop-cases';

interface CloseSeen { code: number; reason: string; wasClean: boolean }

const opened = (socket: WebSocket): Promise<void> =>
  new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('undici WebSocket failed to open')), { once: true });
  });
const nextMessage = (socket: WebSocket): Promise<string | ArrayBuffer> =>
  new Promise((resolve) => socket.addEventListener('message', (event) => resolve(event.data), { once: true }));
const closed = (socket: WebSocket): Promise<CloseSeen> =>
  new Promise((resolve) =>
    socket.addEventListener('close', ({ code, reason, wasClean }) => resolve({ code, reason, wasClean }), { once: true }),
  );

// undici's WebSocket is the WHATWG one Node ships (behind a flag on Node 20): what browsers' code sees.
describe('interop: the undici WHATWG WebSocket against /echo', () => {
  let server: EchoServer;
  let client: WebSocket;

  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    client = new WebSocket(`${server.url}/echo`, ['superchat', 'chat']);
    client.binaryType = 'arraybuffer';
    await opened(client);
  });
  afterEach(async () => {
    if (client.readyState === WebSocket.CLOSED) return;
    const done = closed(client);
    client.close();
    await done;
  });

  it('negotiates the first subprotocol the client offers', () => {
    expect(client.protocol).toBe('superchat');
  });

  it.each(MESSAGE_SIZES.map((size) => [sizeLabel(size), size]))('echoes a %s text message', async (_label, size) => {
    const text = textOf(size);
    const reply = nextMessage(client);
    client.send(text);
    expect(await reply).toBe(text);
  });

  it.each(MESSAGE_SIZES.map((size) => [sizeLabel(size), size]))('echoes a %s binary message', async (_label, size) => {
    const bytes = binaryOf(size);
    const reply = nextMessage(client);
    client.send(bytes);
    const data = await reply;
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(data as ArrayBuffer).equals(bytes)).toBe(true);
  });

  it('completes a clean close handshake with its own code and reason', async () => {
    const done = closed(client);
    client.close(4000, 'done here');
    expect(await done).toEqual({ code: 4000, reason: 'done here', wasClean: true });
  });

  it('sees 1009 when it sends a message over the limit', async () => {
    const done = closed(client);
    client.send(new Uint8Array(server.maxMessageBytes + 1));
    const seen = await done;
    expect(seen.code).toBe(1009);
  });
});

describe('interop: the undici WHATWG WebSocket during a server shutdown', () => {
  it('sees 1001 when the server shuts down', async () => {
    const server = await startEchoServer();
    const client = new WebSocket(`${server.url}/echo`);
    await opened(client);
    const done = closed(client);
    await server.close();
    expect((await done).code).toBe(1001);
  });
});
