// ws /private (DESIGN.md, "Wire contract: the sample app"; "Close codes and HTTP answers"):
// TokenGuard refuses at the handshake with 401 or 403; a client that passes is named by the query.
import { once } from 'node:events';
import { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { useSampleApp } from '../../../helpers/sample-suite';

interface Refusal {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Opens a `ws` client that expects to be refused, and returns the HTTP answer it saw instead of a 101. */
async function refusedHandshake(url: string): Promise<Refusal> {
  const socket = new WebSocket(url);
  const [request, response] = (await once(socket, 'unexpected-response')) as [ClientRequest, IncomingMessage];
  response.setEncoding('utf8');
  let body = '';
  response.on('data', (chunk: string) => (body += chunk));
  await once(response, 'end');
  request.destroy();
  return { status: response.statusCode ?? 0, headers: response.headers, body };
}

describe('ws /private', () => {
  const suite = useSampleApp();
  const savedToken = process.env.SAMPLE_TOKEN;

  // The contract names the default token "let-me-in"; SAMPLE_TOKEN would replace it.
  beforeAll(() => {
    delete process.env.SAMPLE_TOKEN;
  });
  afterAll(() => {
    if (savedToken !== undefined) process.env.SAMPLE_TOKEN = savedToken;
  });

  it('refuses a handshake without a token with HTTP 401 and Connection: close', async () => {
    const refusal = await refusedHandshake(`${suite.app.wsUrl}/private`);

    expect(refusal.status).toBe(401);
    expect(refusal.headers.connection).toBe('close');
    expect(refusal.body).toContain('a token is required');
  });

  it('refuses a handshake with a wrong token with HTTP 403', async () => {
    const refusal = await refusedHandshake(`${suite.app.wsUrl}/private?token=let-me-out&name=zed`);

    expect(refusal.status).toBe(403);
    expect(refusal.headers.connection).toBe('close');
  });

  it('accepts ?token=let-me-in&name=zed and answers whoami with {name: "zed"}', async () => {
    const client = await suite.connect('/private?token=let-me-in&name=zed');

    expect(await client.request('whoami')).toEqual({ event: 'whoami', data: { name: 'zed' }, id: 1 });
  });

  it('names a client whose query has no name "guest"', async () => {
    const client = await suite.connect('/private?token=let-me-in');

    expect(await client.request('whoami')).toEqual({ event: 'whoami', data: { name: 'guest' }, id: 1 });
  });
});
