// The sample with HTTP2=1 (DESIGN.md, "Wire contract: the sample app"): HTTPS on PORT with a
// self-signed certificate made at start, HTTP/2 and HTTP/1.1 (ALPN); every gateway by extended
// CONNECT and by upgrade, with the same guards and origin policy; the page and GET /stats over either.
import { once } from 'node:events';
import { constants } from 'node:http2';
import { get as httpsGet, RequestOptions } from 'node:https';
import WebSocket from 'ws';
import { answerOf, extendedConnect, h2Get, H2Session, opened, openSession } from '../../helpers/h2-peer';
import { OP } from '../../helpers/raw-frames';
import { RawClient } from '../../helpers/raw-client';
import { SampleInstance, startSample, stopSample } from '../../helpers/sample-instance';

const GATEWAYS = ['/echo', '/chat', '/bench', '/dashboard-feed'];

/** GET over HTTPS, HTTP/1.1 chosen by ALPN. */
async function http1Get(port: number, path: string): Promise<{ status: number; body: string; alpn: string | false | null }> {
  const options: RequestOptions & { ALPNProtocols: string[] } = { host: '127.0.0.1', port, path, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] };
  const request = httpsGet(options);
  const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage];
  const alpn = (response.socket as import('node:tls').TLSSocket).alpnProtocol;
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (body += chunk));
  await once(response, 'end');
  return { status: response.statusCode ?? 0, body, alpn };
}

describe('the sample with HTTP2=1', () => {
  let sample: SampleInstance | undefined;
  let h2: H2Session;
  const opens: WebSocket[] = [];

  beforeAll(async () => {
    sample = await startSample('http2', { HTTP2: '1' });
    h2 = await openSession(sample.port);
  }, 30_000);
  afterAll(async () => {
    h2?.session.destroy();
    for (const socket of opens) socket.terminate();
    await stopSample(sample);
  });
  const port = (): number => sample?.port ?? 0;

  it('announces RFC 8441 and serves the page and GET /stats over HTTP/2 and over HTTP/1.1', async () => {
    expect(h2.settings.enableConnectProtocol).toBe(true);
    const [page, stats, page1, stats1] = [await h2Get(h2.session, '/'), await h2Get(h2.session, '/stats'), await http1Get(port(), '/'), await http1Get(port(), '/stats')];

    expect([page.status, stats.status, page1.status, stats1.status]).toEqual([200, 200, 200, 200]);
    expect(page.body).toContain('<html');
    expect(page1.body).toBe(page.body);
    expect(JSON.parse(stats.body)).toMatchObject({ connections: 0 });
    expect(page1.alpn).toBe('http/1.1');
  });

  it.each(GATEWAYS)('opens %s by extended CONNECT and by HTTP/1.1 upgrade, both counted by /stats', async (path) => {
    const stream = extendedConnect(h2.session, path, { origin: `https://127.0.0.1:${port()}` });
    await opened(stream);
    const upgraded = new WebSocket(`wss://127.0.0.1:${port()}${path}`, { rejectUnauthorized: false, origin: `https://127.0.0.1:${port()}` });
    opens.push(upgraded);
    await once(upgraded, 'open');

    const stats = JSON.parse((await h2Get(h2.session, '/stats')).body) as { connections: number };
    expect(stats.connections).toBe(2);
    upgraded.close();
    stream.close(constants.NGHTTP2_CANCEL); // /chat and /dashboard-feed have sent data this test does not read
    await Promise.all([once(upgraded, 'close'), once(stream, 'close')]);
  });

  it('echoes over HTTP/2 byte for byte on /echo, with its subprotocol', async () => {
    const client = await RawClient.connect(port(), { overHttp2: true, protocols: ['superchat', 'chat'] });
    await client.sendFrame({ opcode: OP.binary, payload: Buffer.from([0, 1, 2, 255]) });

    await client.expectMessage(OP.binary, Buffer.from([0, 1, 2, 255]));
    expect(client.protocol).toBe('superchat');
    await client.destroy();
  });

  it('runs the handshake guard of /private on the HTTP/2 request: 401 without a token, 403 with a wrong one, 200 with the right one', async () => {
    const statuses = [
      (await answerOf(extendedConnect(h2.session, '/private'))).status,
      (await answerOf(extendedConnect(h2.session, '/private?token=nope'))).status,
    ];
    const admitted = extendedConnect(h2.session, '/private?token=let-me-in&name=h2');
    await opened(admitted);
    admitted.close();

    expect(statuses).toEqual([401, 403]);
  });

  it('applies the origin policy of /chat: 403 for a foreign Origin, as over HTTP/1.1', async () => {
    const answer = await answerOf(extendedConnect(h2.session, '/chat', { origin: 'https://evil.example' }));

    expect(answer.status).toBe(403);
  });
});
