import Fastify from 'fastify';
import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { useTransportHarness } from '../../helpers/transport-harness';

/** An h2c offer (what `curl --http2` sends) with `fillerCount` more header lines, then its body framing and body. */
function h2cOfferWithBody(fillerCount: number, framing: 'content-length' | 'chunked', body: string): string {
  const filler = Array.from({ length: fillerCount }, (_, i) => `x-${i}: y\r\n`).join('');
  const framed = framing === 'content-length' ? `Content-Length: ${body.length}\r\n\r\n${body}` : `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  return `POST /public HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n${filler}${framed}`;
}

/** A request hidden in the body: if it reaches the application on its own, the framing was lost (request smuggling). */
const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
const LAST = 'GET /last HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';

describe('PlainRequestReplay: an upgrade no one takes is served as the request the client sent, or refused', () => {
  const harness = useTransportHarness();

  async function start(maxHeadersCount: number | null): Promise<{ port: number; reached: string[] }> {
    const reached: string[] = [];
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.setEncoding('latin1');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        reached.push(`${request.method} ${request.url} body=${JSON.stringify(body)}`);
        response.end('ok');
      });
    });
    server.maxHeadersCount = maxHeadersCount;
    const { port } = await harness.start({ server, routes: [{ path: '/echo' }] });
    return { port, reached };
  }

  // Node keeps about maxHeadersCount header lines (1,000 by default; it collects them 32 at a time) in
  // rawHeaders and drops the rest, though its parser framed the body by them: a replay rebuilt from rawHeaders
  // would lose a Content-Length or Transfer-Encoding past that count, and the body would be read as the next
  // request. Each filler count puts the framing line at the limit, at the last line collected, and past both.
  describe.each([
    ['the default maxHeadersCount', null, [0, 995, 1_019, 1_020, 1_100]],
    ['maxHeadersCount 20', 20, [0, 15, 27, 28, 40]],
  ])('with %s', (_name, maxHeadersCount, fillerCounts) => {
    describe.each(['content-length', 'chunked'] as const)('a body framed by %s', (framing) => {
      it.each(fillerCounts)('and %i more header lines reaches the application whole, or is refused 431 and nothing reaches it', async (fillerCount) => {
        const { port, reached } = await start(maxHeadersCount);

        const answer = await harness.http(port, h2cOfferWithBody(fillerCount, framing, SMUGGLED) + LAST);

        if (answer.head?.status === 431) {
          expect(reached).toEqual([]);
          expect(answer.head.headers.connection).toBe('close');
        } else {
          expect(reached).toEqual([`POST /public body=${JSON.stringify(SMUGGLED)}`, 'GET /last body=""']);
        }
      });
    });
  });
});

describe('PlainRequestReplay: body framing that a proxy and Node could read apart', () => {
  const harness = useTransportHarness();
  const H2C = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';

  async function start(): Promise<{ port: number; reached: string[] }> {
    const reached: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        reached.push(`${request.url} body=${body}`);
        response.end('ok');
      });
    });
    const { port } = await harness.start({ server, routes: [{ path: '/echo' }] });
    return { port, reached };
  }

  it.each([
    ['Transfer-Encoding and Content-Length', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'],
    ['two Content-Length', 'Content-Length: 5\r\nContent-Length: 41\r\n'],
  ])('an h2c offer with %s is refused 400 and nothing reaches the app, neither it nor what it carries', async (_name, framing) => {
    const { port, reached } = await start();

    const answer = await harness.http(port, `POST /p HTTP/1.1\r\nHost: 127.0.0.1\r\n${H2C}${framing}\r\n0\r\n\r\n${SMUGGLED}`);

    expect(answer.head?.status).toBe(400);
    expect(reached).toEqual([]);
  });

  it('an h2c offer with Expect: 100-continue gets 100 Continue before its body, then its answer', async () => {
    const { port, reached } = await start();
    const client = connect(port, '127.0.0.1');
    harness.sockets.add(client);
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const offerThenClose = H2C.replace('HTTP2-Settings\r\n', 'HTTP2-Settings, close\r\n');
    client.write(`POST /p HTTP/1.1\r\nHost: 127.0.0.1\r\n${offerThenClose}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    await once(client, 'data');
    const interim = received;
    client.write('hello');
    await once(client, 'close');

    expect(interim).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    expect(received).toMatch(/\r\n\r\nok$/);
    expect(reached).toEqual(['/p body=hello']);
  });
});

describe('PlainRequestReplay: the peer leaves at every byte of a replayed request', () => {
  const harness = useTransportHarness();
  const BODY = '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
  const REQUEST = 'POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nTransfer-Encoding: chunked\r\n\r\n' + BODY;

  it.each(['half-closes (FIN)', 'resets (RST)'])('%s: each cut closes the server socket, nothing escapes, only the whole request reaches the app', async (how) => {
    const reached: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        reached.push(body);
        response.end('ok');
      });
    });
    const { port, unexpectedErrors } = await harness.start({ server, routes: [{ path: '/echo' }] });
    const serverClosed: Array<Promise<unknown>> = [];
    server.on('connection', (socket: Socket) => serverClosed.push(new Promise((resolve) => socket.once('close', resolve))));
    const headerEnd = REQUEST.indexOf('\r\n\r\n') + 4;

    for (let cut = headerEnd - 2; cut <= REQUEST.length; cut++) {
      const client = connect(port, '127.0.0.1');
      harness.sockets.add(client);
      client.on('error', () => undefined);
      client.resume(); // read the answer and the server's FIN
      await once(client, 'connect');
      client.write(REQUEST.slice(0, cut));
      // Past the head the upgrade has been replayed once Node answers or holds the body: wait for the bytes to be written.
      await new Promise((resolve) => client.write('', resolve));
      if (how.startsWith('resets')) client.resetAndDestroy();
      else client.end();
      await once(client, 'close');
    }
    await Promise.all(serverClosed); // every socket the server saw (twice for a replayed one) closed

    expect(unexpectedErrors).toEqual([]);
    expect(reached.every((body) => body === 'hello world')).toBe(true);
    expect(await new Promise((resolve) => server.getConnections((_error, count) => resolve(count)))).toBe(0);
  });
});

describe('PlainRequestReplay: a Fastify app behind the replay', () => {
  const harness = useTransportHarness();

  it('answers h2c offers (GET, POST with a JSON body) and a plain request pipelined behind them on one connection, in order', async () => {
    const app = Fastify();
    app.get('/health', () => ({ ok: true }));
    app.post('/items', (request) => ({ got: (request.body as { n: number }).n }));
    await app.ready();
    const { port } = await harness.start({ server: app.server, routes: [{ path: '/echo' }] });
    const h2c = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';
    const body = JSON.stringify({ n: 42 });

    const answer = await harness.http(port, [
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${h2c}\r\n`,
      `POST /items HTTP/1.1\r\nHost: 127.0.0.1\r\n${h2c}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    ].join(''));
    await app.close();

    const text = answer.raw.toString();
    expect(text.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(text.match(/\{[^}]*\}/g)).toEqual(['{"ok":true}', '{"got":42}', '{"ok":true}']);
  });
});
