import { randomBytes } from 'node:crypto';
import { startEchoServer } from '../fixtures/echo-server';
import { startOwnPortEchoServer } from '../fixtures/own-port-echo-server';
import { useEchoServer } from '../helpers/echo-suite';
import { OP } from '../helpers/raw-frames';
import { HttpExchangeResult, UpgradeRequestOptions, acceptFor, headerOf, tokensOf, upgradeRequest } from '../helpers/raw-http';

// RFC 6455 §4.2: the opening handshake, and DESIGN.md "Close codes and HTTP answers":
// a refusal is a complete response with `Connection: close` and a Content-Length, then the end of the socket.
const freshKey = (): string => randomBytes(16).toString('base64');

const expectSwitch = (result: HttpExchangeResult, key: string): void => {
  expect({
    statusCode: result.head.statusCode,
    upgrade: tokensOf(result.head, 'upgrade'),
    hasConnectionUpgrade: tokensOf(result.head, 'connection').includes('upgrade'),
    accept: headerOf(result.head, 'sec-websocket-accept'),
  }).toEqual({ statusCode: 101, upgrade: ['websocket'], hasConnectionUpgrade: true, accept: acceptFor(key) });
};

const expectRefusal = async (result: HttpExchangeResult, statusCode: number): Promise<void> => {
  expect({
    statusLine: result.head.statusLine.slice(0, 'HTTP/1.1 nnn'.length),
    connection: tokensOf(result.head, 'connection'),
    contentLength: headerOf(result.head, 'content-length'),
  }).toEqual({ statusLine: `HTTP/1.1 ${statusCode}`, connection: ['close'], contentLength: String(result.body.length) });
  expect({ hasServerEndedSocket: await result.serverEnded }).toEqual({ hasServerEndedSocket: true });
};

// The same answers on the application's server (node:http) and on a gateway's own port (own-port-server.ts).
describe.each([
  ['the application\'s server', startEchoServer],
  ['a gateway\'s own port', startOwnPortEchoServer],
])('handshake on %s: the opening handshake is checked before the upgrade', (_server, start) => {
  const suite = useEchoServer(start);
  const upgrade = (options: UpgradeRequestOptions = {}, key = freshKey()) =>
    suite.request(upgradeRequest(suite.server.port, key, options));

  it('switches protocols with the Sec-WebSocket-Accept computed from the key', async () => {
    const key = freshKey();
    expectSwitch(await upgrade({}, key), key);
  });

  it('answers the RFC 6455 §1.3 sample key with its sample accept value', async () => {
    const result = await upgrade({}, 'dGhlIHNhbXBsZSBub25jZQ==');
    expect(headerOf(result.head, 'sec-websocket-accept')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it.each([
    ['Connection: keep-alive, Upgrade', { Connection: 'keep-alive, Upgrade' }],
    ['Connection: upgrade in lower case', { Connection: 'upgrade' }],
    ['Upgrade: WebSocket in mixed case', { Upgrade: 'WebSocket' }],
    ['an Origin header', { Origin: 'http://example.com' }],
    ['header names in lower case', { Host: null, host: '127.0.0.1', 'sec-websocket-version': '13', 'Sec-WebSocket-Version': null }],
  ])('switches protocols for a request with %s', async (_label, headers) => {
    const key = freshKey();
    expectSwitch(await upgrade({ headers }, key), key);
  });

  it.each([
    ['the POST method', { method: 'POST' }],
    ['HTTP/1.0', { httpVersion: 'HTTP/1.0' }],
    ['no Host header', { headers: { Host: null } }],
    ['no Upgrade header', { headers: { Upgrade: null } }],
    ['Upgrade: h2c', { headers: { Upgrade: 'h2c' } }],
    ['no Connection header', { headers: { Connection: null } }],
    ['Connection: keep-alive without Upgrade', { headers: { Connection: 'keep-alive' } }],
    ['no Sec-WebSocket-Key header', { headers: { 'Sec-WebSocket-Key': null } }],
    ['an empty Sec-WebSocket-Key', { headers: { 'Sec-WebSocket-Key': '' } }],
    ['a key of 15 bytes in base64', { headers: { 'Sec-WebSocket-Key': randomBytes(15).toString('base64') } }],
    ['a key of 17 bytes in base64', { headers: { 'Sec-WebSocket-Key': randomBytes(17).toString('base64') } }],
    ['a key that is not base64', { headers: { 'Sec-WebSocket-Key': 'not a websocket key!!!==' } }],
    ['the Sec-WebSocket-Key header twice', { headers: { 'Sec-WebSocket-Key': [freshKey(), freshKey()] } }],
  ] as [string, UpgradeRequestOptions][])('refuses a request with %s with 400', async (_label, options) => {
    await expectRefusal(await upgrade(options), 400);
  });

  it.each([
    ['Sec-WebSocket-Version: 8', '8'],
    ['Sec-WebSocket-Version: 12', '12'],
    ['Sec-WebSocket-Version: 14', '14'],
    ['no Sec-WebSocket-Version header', null],
  ])('refuses a request with %s with 426 and Sec-WebSocket-Version: 13', async (_label, version) => {
    const result = await upgrade({ headers: { 'Sec-WebSocket-Version': version } });
    await expectRefusal(result, 426);
    expect(headerOf(result.head, 'sec-websocket-version')).toBe('13');
  });

  it('refuses an upgrade on a path with no gateway with 404', async () => {
    await expectRefusal(await upgrade({ path: '/nope' }), 404);
  });

  it.each([
    ['chat', 'chat'],
    ['superchat', 'superchat'],
    ['superchat, chat', 'superchat'],
    ['chat, superchat', 'chat'],
    ['foo, chat', 'chat'],
  ])('selects the first supported subprotocol when the client offers "%s"', async (offer, selected) => {
    const result = await upgrade({ headers: { 'Sec-WebSocket-Protocol': offer } });
    expect({ statusCode: result.head.statusCode, protocol: headerOf(result.head, 'sec-websocket-protocol') }).toEqual({
      statusCode: 101,
      protocol: selected,
    });
  });

  it('reads subprotocols offered on two header lines as one list', async () => {
    const result = await upgrade({ headers: { 'Sec-WebSocket-Protocol': ['foo', 'chat'] } });
    expect(headerOf(result.head, 'sec-websocket-protocol')).toBe('chat');
  });

  it.each([
    ['no subprotocol', null],
    ['only the unsupported subprotocol "foo"', 'foo'],
  ])('switches protocols without a Sec-WebSocket-Protocol header when the client offers %s', async (_label, offer) => {
    const result = await upgrade({ headers: { 'Sec-WebSocket-Protocol': offer } });
    expect({ statusCode: result.head.statusCode, protocol: result.head.headers.get('sec-websocket-protocol') }).toEqual({
      statusCode: 101,
      protocol: undefined,
    });
  });

  it('echoes messages on a connection that negotiated a subprotocol', async () => {
    const client = await suite.connect({ protocols: ['superchat', 'chat'] });
    await client.sendFrame({ opcode: OP.text, payload: 'with a subprotocol' });
    await client.expectMessage(OP.text, 'with a subprotocol');
    expect(client.protocol).toBe('superchat');
  });
});
