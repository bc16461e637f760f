import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { useTransportHarness } from '../../helpers/transport-harness';
import { CLIENT_KEY } from '../../helpers/transport-peer';

/** A GET that carries WebSocket headers but not the ones that make Node emit 'upgrade'. */
const brokenHandshake = (path: string, extraLines: string[] = []): string =>
  [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Sec-WebSocket-Key: ${CLIENT_KEY}`, 'Sec-WebSocket-Version: 13', ...extraLines, 'Connection: close', '', ''].join('\r\n');

const plainGet = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;

describe('UpgradeListener: plain requests that look like broken handshakes', () => {
  const harness = useTransportHarness();

  /** A server whose application answers 200 and records what reached it. */
  const startWithApp = async () => {
    const reachedApp: Array<string | undefined> = [];
    const app = (request: IncomingMessage, response: ServerResponse): void => {
      reachedApp.push(request.url);
      const body = 'from the app';
      response.writeHead(200, { Connection: 'close', 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
    };
    const server = createServer(app);
    const started = await harness.start({ routes: [{ path: '/ws' }], server });
    return { ...started, reachedApp, app };
  };

  it('answers 400 to a GET on a WebSocket path that has handshake headers but no Upgrade, without reaching the app', async () => {
    const { port, reachedApp } = await startWithApp();

    const answer = await harness.http(port, brokenHandshake('/ws'));

    expect(answer.head?.status).toBe(400);
    expect(answer.head?.headers).toMatchObject({ connection: 'close', 'content-length': String(Buffer.byteLength(answer.body)) });
    expect(answer.body).toBe('Upgrade header must include "websocket"\n');
    expect(reachedApp).toEqual([]);
  });

  it('names the missing Connection: Upgrade when Upgrade: websocket is present alone', async () => {
    const { port } = await startWithApp();

    const answer = await harness.http(port, brokenHandshake('/ws?x=1', ['Upgrade: websocket']));

    expect(answer.head?.status).toBe(400);
    expect(answer.body).toBe('Connection header must include "Upgrade"\n');
  });

  it('passes plain requests, and handshake-like requests on other paths, to the app', async () => {
    const { port, reachedApp } = await startWithApp();

    const answers = [await harness.http(port, plainGet('/ws')), await harness.http(port, plainGet('/api')), await harness.http(port, brokenHandshake('/api'))];

    expect(answers.map((answer) => [answer.head?.status, answer.body])).toEqual([
      [200, 'from the app'],
      [200, 'from the app'],
      [200, 'from the app'],
    ]);
    expect(reachedApp).toEqual(['/ws', '/api', '/api']);
  });

  it('passes a request on a WebSocket path that names another Upgrade (h2c) without Connection: upgrade to the app', async () => {
    const { port, reachedApp } = await startWithApp();

    const answer = await harness.http(port, `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nConnection: close\r\n\r\n`);

    expect([answer.head?.status, answer.body]).toEqual([200, 'from the app']);
    expect(reachedApp).toEqual(['/ws']);
  });

  it("gives the app its 'request' listeners back after close()", async () => {
    const { port, server, listener, reachedApp, app } = await startWithApp();

    await listener.close();
    const answer = await harness.http(port, brokenHandshake('/ws'));

    expect(server.listeners('request')).toEqual([app]);
    expect(answer.head?.status).toBe(200);
    expect(reachedApp).toEqual(['/ws']);
  });
});
