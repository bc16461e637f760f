import { once } from 'node:events';
import { IncomingMessage } from 'node:http';
import { createServer, request as httpsRequest } from 'node:https';
import { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { useTransportHarness } from '../../helpers/transport-harness';

describe('UpgradeListener on an https server (wss)', () => {
  const harness = useTransportHarness();
  let credentials: { key: string; cert: string };

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
    credentials = { key: pems.private, cert: pems.cert };
  });

  it('accepts wss upgrades and exchanges messages over TLS', async () => {
    const requestSockets: unknown[] = [];
    const server = await harness.start({
      routes: [{
        path: '/secure',
        onConnection: (connection, request) => {
          requestSockets.push(request.socket);
          connection.on('message', (data) => connection.send(`secure: ${String(data)}`));
        },
      }],
      server: createServer(credentials),
    });
    const client = await harness.ws(`wss://127.0.0.1:${server.port}/secure`, undefined, { rejectUnauthorized: false });
    const connection = await server.nextConnection();

    client.send('hello');

    const [reply] = (await once(client, 'message')) as [Buffer];
    expect(reply.toString()).toBe('secure: hello');
    expect(requestSockets).toHaveLength(1);
    expect(requestSockets[0]).toBeInstanceOf(TLSSocket);
    const clientClosed = once(client, 'close');
    connection.close(1000, 'tls done');
    const [code] = (await clientClosed) as [number];
    expect(code).toBe(1000);
    expect(await connection.closed).toEqual({ code: 1000, reason: 'tls done', wasClean: true });
  });

  it('serves an upgrade to another protocol as the plain HTTPS request Node would have seen without us', async () => {
    const server = await harness.start({
      routes: [{ path: '/secure' }],
      server: createServer(credentials, (request, response) => response.end(`plain ${request.method} ${request.url}`)),
    });

    const request = httpsRequest({
      port: server.port, host: '127.0.0.1', path: '/health', rejectUnauthorized: false, agent: false,
      headers: { Connection: 'Upgrade', Upgrade: 'example/1' },
    });
    request.end();
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    let body = '';
    for await (const chunk of response) body += String(chunk);

    expect([response.statusCode, body]).toEqual([200, 'plain GET /health']);
    expect(server.listener.connections.size).toBe(0);
  });
});
