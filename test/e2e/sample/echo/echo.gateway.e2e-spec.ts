// ws /echo (DESIGN.md, "Wire contract: the sample app"): subprotocols chat and superchat, the
// first one the client offers is chosen, none when it offers neither; permessage-deflate when
// offered. Echo itself is covered byte for byte by test/conformance and test/interop.
import { once } from 'node:events';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import WebSocket, { ClientOptions, RawData } from 'ws';
import { useSampleApp } from '../../../helpers/sample-suite';

describe('ws /echo', () => {
  const suite = useSampleApp();
  const sockets = new Set<WebSocket>();

  afterEach(async () => {
    await Promise.all(
      [...sockets].map(async (socket) => {
        if (socket.readyState === WebSocket.CLOSED) return;
        const closed = once(socket, 'close');
        socket.close();
        await closed;
      }),
    );
    sockets.clear();
  });

  const open = async (protocols: string[], options: ClientOptions = {}): Promise<WebSocket> => {
    const socket = new WebSocket(`${suite.app.wsUrl}/echo`, protocols, options);
    sockets.add(socket);
    await once(socket, 'open');
    return socket;
  };

  it.each([
    [['chat'], 'chat'],
    [['superchat'], 'superchat'],
    [['chat', 'superchat'], 'chat'],
    [['superchat', 'chat'], 'superchat'],
    [['mqtt', 'superchat', 'chat'], 'superchat'],
  ])('chooses the first protocol it speaks when the client offers %j', async (offered, chosen) => {
    const socket = await open(offered);

    expect(socket.protocol).toBe(chosen);
  });

  it("accepts a page from any origin (allowedOrigins: '*'), while /chat keeps the same-origin default", async () => {
    const page = await open([], { origin: 'https://conformance.example:9001' });
    expect(page.readyState).toBe(WebSocket.OPEN);

    const chat = new WebSocket(`${suite.app.wsUrl}/chat`, { origin: 'https://conformance.example:9001' });
    chat.on('error', () => undefined); // terminate() below reports the unfinished handshake
    const [, response] = (await once(chat, 'unexpected-response')) as [unknown, IncomingMessage];
    chat.terminate();
    expect(response.statusCode).toBe(403);
  });

  it('chooses no protocol when the client offers none', async () => {
    const socket = await open([]);

    expect(socket.protocol).toBe('');
  });

  it('answers 101 without Sec-WebSocket-Protocol when the client offers neither chat nor superchat', async () => {
    const upgrade = httpRequest(`${suite.app.httpUrl}/echo`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol': 'mqtt, wamp',
      },
    });
    upgrade.end();

    const [response, socket] = (await once(upgrade, 'upgrade')) as [IncomingMessage, Socket];
    socket.destroy();

    expect(response.statusCode).toBe(101);
    expect(response.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(response.headers).not.toHaveProperty('sec-websocket-protocol');
  });

  it('echoes text as text and binary as binary on a connection that chose a subprotocol', async () => {
    const socket = await open(['superchat']);
    const messages: Array<{ data: Buffer; isBinary: boolean }> = [];
    const both = new Promise<void>((resolve) =>
      socket.on('message', (data: RawData, isBinary: boolean) => {
        messages.push({ data: data as Buffer, isBinary });
        if (messages.length === 2) resolve();
      }),
    );

    socket.send('héllo, superchat');
    socket.send(Buffer.from([0x00, 0xff, 0x7f]));
    await both;

    expect(messages).toEqual([
      { data: Buffer.from('héllo, superchat'), isBinary: false },
      { data: Buffer.from([0x00, 0xff, 0x7f]), isBinary: true },
    ]);
  });

  it('accepts permessage-deflate when the client offers it and echoes through it', async () => {
    const socket = await open(['chat'], { perMessageDeflate: true });
    const text = 'compress me '.repeat(200);

    socket.send(text);
    const [data, isBinary] = (await once(socket, 'message')) as [Buffer, boolean];

    expect(socket.extensions).toMatch(/^permessage-deflate\b/);
    expect({ text: data.toString('utf8'), isBinary }).toEqual({ text, isBinary: false });
  });
});
