import { once } from 'node:events';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from '../../../lib/transport/connection';
import { useCurl } from '../../helpers/curl';
import { useTransportHarness } from '../../helpers/transport-harness';
import { upgradeRequest } from '../../helpers/transport-peer';

/** What `curl --http2 http://…` sends: an HTTP/1.1 request offering h2c (RFC 7540 §3.2). */
const H2C_OFFER = { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA' };

/** The same offer as raw bytes, for pipelining; `upgradeName` spells the header as a client might. */
const rawH2cOffer = (path: string, upgradeName = 'Upgrade'): string =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: ${H2C_OFFER.Connection}\r\n${upgradeName}: h2c\r\nHTTP2-Settings: ${H2C_OFFER['HTTP2-Settings']}\r\n\r\n`;

/** The application's ordinary routes: each request is answered with what reached it. */
function application(request: IncomingMessage, response: ServerResponse): void {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => response.end(`${request.method} ${request.url} upgrade=${request.headers.upgrade ?? '-'} body=${body}`));
}

/** Node's own client: an h2c offer answered without a 101 is an ordinary response. */
async function requestWithH2cOffer(port: number, path: string, method = 'GET', body = ''): Promise<{ status: number | undefined; body: string }> {
  const request = httpRequest({ port, host: '127.0.0.1', path, method, headers: { ...H2C_OFFER, 'Content-Length': Buffer.byteLength(body) }, agent: false });
  request.end(body);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk;
  return { status: response.statusCode, body: text };
}

/** `ws` on its own path, attached the way its README shares a server: noServer and an 'upgrade' listener of its own. */
function attachWsLibrary(server: Server, path: string): WebSocketServer {
  const library = new WebSocketServer({ noServer: true });
  library.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(`ws library: ${data.toString()}`, { binary: isBinary })));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url !== path) return; // not its path: another listener's
    library.handleUpgrade(request, socket, head, (client) => library.emit('connection', client, request));
  });
  return library;
}

const echoOnOpen = (connection: Connection): void => void connection.on('message', (data) => connection.send(`rfc6455: ${data.toString()}`));

async function roundTrip(client: WebSocket, text: string): Promise<string> {
  client.send(text);
  const [data] = (await once(client, 'message')) as [Buffer];
  return data.toString();
}

describe('UpgradeListener: sharing an HTTP server with other upgrade handlers and ordinary routes', () => {
  const harness = useTransportHarness();
  const libraries: WebSocketServer[] = [];
  const curl = useCurl();
  afterEach(async () => {
    for (const library of libraries.splice(0)) {
      for (const client of library.clients) client.terminate();
      await new Promise((resolve) => library.close(resolve));
    }
  });

  describe.each(['before', 'after'])('with the ws library attached %s us', (order) => {
    const start = async () => {
      const server = createServer(application);
      if (order === 'before') libraries.push(attachWsLibrary(server, '/graphql'));
      const started = await harness.start({ server, routes: [{ path: '/echo', onConnection: echoOnOpen }] });
      if (order === 'after') libraries.push(attachWsLibrary(server, '/graphql'));
      return started;
    };

    it('serves its WebSocket path and leaves the other path to the ws library, both on one connection each', async () => {
      const { port, listener } = await start();

      const ours = await harness.ws(`ws://127.0.0.1:${port}/echo`);
      const theirs = await harness.ws(`ws://127.0.0.1:${port}/graphql`);

      expect(await roundTrip(ours, 'a')).toBe('rfc6455: a');
      expect(await roundTrip(theirs, 'b')).toBe('ws library: b');
      expect(listener.connections.size).toBe(1);
      expect(libraries[0].clients.size).toBe(1);
    });

    it('leaves an h2c upgrade on its own path to the other listener, without answering it', async () => {
      const { port, listener, server } = await start();
      const answered: string[] = [];
      server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
        if (request.headers.upgrade !== 'h2c') return;
        answered.push(request.url ?? '');
        socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nother');
      });

      const answer = await harness.http(port, upgradeRequest('/echo').replace('Upgrade: websocket', 'Upgrade: h2c'));

      expect(answer.raw.toString()).toBe('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nother');
      expect(answered).toEqual(['/echo']);
      expect(listener.connections.size).toBe(0);
    });
  });

  describe('as the only upgrade listener', () => {
    const start = () => harness.start({ server: createServer(application), routes: [{ path: '/echo', onConnection: echoOnOpen }] });

    it('lets `curl --http2` reach an ordinary route as plain HTTP/1.1, as Node does without upgrade listeners', async () => {
      const { port } = await start();

      const { exitCode, output } = await curl('--http2', `http://127.0.0.1:${port}/health`);

      expect(exitCode).toBe(0);
      expect(output).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(output.endsWith('\r\n\r\nGET /health upgrade=- body=')).toBe(true);
    });

    it('gives an h2c offer with a body, on any path, to the application whole', async () => {
      const { port, listener } = await start();

      const answers = [
        await requestWithH2cOffer(port, '/health'),
        await requestWithH2cOffer(port, '/items?x=1', 'POST', 'x'.repeat(100_000)),
        await requestWithH2cOffer(port, '/echo', 'PUT', 'on our path'),
      ];

      expect(answers).toEqual([
        { status: 200, body: 'GET /health upgrade=- body=' },
        { status: 200, body: `POST /items?x=1 upgrade=- body=${'x'.repeat(100_000)}` },
        { status: 200, body: 'PUT /echo upgrade=- body=on our path' },
      ]);
      expect(listener.connections.size).toBe(0);
    });

    // The application answers each request at once (its response may be out before the next offer is read) or once its body has ended.
    it.each([
      ['at once', (request: IncomingMessage, response: ServerResponse) => response.end(`${request.method} ${request.url} upgrade=${request.headers.upgrade ?? '-'} body=`)],
      ['after the body', application],
    ])('answers h2c offers pipelined on one connection in order, each after the one before it (RFC 9112 §9.3.2), an app answering %s', async (_when, app) => {
      const { port } = await harness.start({ server: createServer(app), routes: [{ path: '/echo', onConnection: echoOnOpen }] });
      const paths = Array.from({ length: 50 }, (_, i) => `/p${i}`);

      const answer = await harness.http(port, paths.map((path) => rawH2cOffer(path, 'UPGRADE')).join('') + `GET /last HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

      const bodies = answer.raw.toString().match(/GET \/\w+ upgrade=- body=/g);
      expect(bodies).toEqual([...paths, '/last'].map((path) => `GET ${path} upgrade=- body=`));
    });

    it.each(['resets (RST)', 'half-closes (FIN)'])('survives a peer that %s while h2c offers wait behind a response not yet written', async (how) => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const reached: string[] = [];
      const slowApp = (request: IncomingMessage, response: ServerResponse): void => {
        reached.push(request.url ?? '');
        void released.then(() => response.end('late'));
      };
      const serverSockets: Socket[] = [];
      const server = createServer(slowApp).on('connection', (socket: Socket) => serverSockets.push(socket));
      const { port } = await harness.start({ server, routes: [{ path: '/echo' }] });
      const client = connect(port, '127.0.0.1');
      harness.sockets.add(client);
      client.on('error', () => undefined);
      await once(client, 'connect');
      const isFirstReached = new Promise<void>((resolve) => server.once('request', () => setImmediate(resolve)));

      client.write(rawH2cOffer('/a') + rawH2cOffer('/b') + rawH2cOffer('/c'));
      await isFirstReached;
      if (how.startsWith('resets')) client.resetAndDestroy();
      else client.end();
      if (how.startsWith('resets')) await once(client, 'close');
      release();
      const serverSocket = serverSockets[0];
      // Not events.once: it would reject on the socket's 'error', which is the library's to handle.
      if (!serverSocket.destroyed) await new Promise((resolve) => serverSocket.once('close', resolve));

      // /b waited for /a's response; after the reset nothing more reaches the app, and no error escaped.
      expect(reached[0]).toBe('/a');
      expect(serverSocket.destroyed).toBe(true);
    });

    it('still answers 404 to a WebSocket upgrade on a path it does not serve', async () => {
      const { port } = await start();

      const answer = await harness.http(port, upgradeRequest('/graphql'));

      expect(answer.head?.status).toBe(404);
      expect(answer.body).toBe('no WebSocket endpoint on this path\n');
    });
  });
});
