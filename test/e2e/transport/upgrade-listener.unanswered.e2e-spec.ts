import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { useTransportHarness } from '../../helpers/transport-harness';
import { upgradeRequest } from '../../helpers/transport-peer';

const HANDSHAKE_TIMEOUT_MS = 200;

/** `ws` as its README shares a server (noServer): it takes its own path and passes on every other upgrade, answering nothing. */
function attachWsLibrary(server: Server, path: string): WebSocketServer {
  const library = new WebSocketServer({ noServer: true });
  library.on('connection', (socket) => socket.on('message', (data) => socket.send(`ws library: ${data.toString()}`)));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url !== path) return;
    library.handleUpgrade(request, socket, head, (client) => library.emit('connection', client, request));
  });
  return library;
}

describe('UpgradeListener: an upgrade that no listener answers', () => {
  const harness = useTransportHarness();
  let library: WebSocketServer | undefined;
  afterEach(async () => {
    for (const client of library?.clients ?? []) client.terminate();
    await new Promise((resolve) => (library ? library.close(resolve) : resolve(undefined)));
    library = undefined;
  });

  async function start(): Promise<number> {
    const server = createServer();
    library = attachWsLibrary(server, '/graphql');
    const { port } = await harness.start({ server, routes: [{ path: '/echo' }], listener: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS } });
    return port;
  }

  /** Sends `request` and resolves with what the server wrote once it closed the connection. */
  async function sendAndAwaitClose(port: number, request: string): Promise<string> {
    const socket = connect(port, '127.0.0.1');
    harness.sockets.add(socket);
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write(request);
    await once(socket, 'close');
    return received;
  }

  it.each([
    ['a WebSocket upgrade on a path no one serves', upgradeRequest('/nobody')],
    ['an h2c offer', 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n'],
    ['an upgrade to a protocol no one speaks', 'GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: example/1\r\n\r\n'],
  ])('is dropped without an answer after handshakeTimeoutMs (%s), instead of staying open forever', async (_name, request) => {
    const port = await start();

    expect(await sendAndAwaitClose(port, request)).toBe('');
  });

  it('leaves alone an upgrade another listener answered, past the handshake timeout', async () => {
    const port = await start();
    const theirs = await harness.ws(`ws://127.0.0.1:${port}/graphql`);

    // Ordered by events, not by a clock: this one is left to the others after theirs, so its timeout fires after theirs.
    expect(await sendAndAwaitClose(port, upgradeRequest('/nobody'))).toBe('');

    theirs.send('still open');
    const [reply] = (await once(theirs, 'message')) as [Buffer];
    expect(reply.toString()).toBe('ws library: still open');
    expect(theirs.readyState).toBe(WebSocket.OPEN);
  });
});
