import { randomBytes } from 'node:crypto';
import { SECURITY_LIMITS, SECURITY_PATHS } from '../fixtures/security/security-gateways';
import { AttackRun, MiB, tally } from '../helpers/attack-run';
import { HttpExchange, HttpExchangeResult, headerOf, upgradeRequest } from '../helpers/raw-http';
import { SecurityServer, startSecurityServer } from '../helpers/security-server';
import { SlowOutcome, slowRequests } from '../helpers/slow-requests';

// Attacks before the 101: connections that never finish their request, a handshake guard that
// never answers, and requests whose headers are too large, too many or built to be slow to parse.
// Each checks the attacker's answer, a fresh client served during and after, and the server's
// memory (it runs in a child process: test/fixtures/security/security-server.ts).

jest.setTimeout(60_000);

const SLOW_LORIS_CONNECTIONS = 300;
const GIVE_UP_MS = 6000;
/** Headers trickled at 1 byte per 100 ms: the request would take 40 s to complete. */
const trickledRequest = (port: number, path: string): Buffer =>
  Buffer.from(upgradeRequest(port, randomBytes(16).toString('base64'), { path, headers: { 'X-Padding': 'a'.repeat(200) } }));

const key = (): string => randomBytes(16).toString('base64');

/** `count` exchanges at once; each must be answered within `waitMs`. Their sockets are destroyed after `check`. */
const exchanges = async (port: number, count: number, request: () => string | Buffer, waitMs = 5000): Promise<HttpExchangeResult[]> => {
  const started = Array.from({ length: count }, () => new HttpExchange(port, request(), waitMs));
  try {
    const results = await Promise.all(started.map((exchange) => exchange.result));
    // A refusal is followed by the server's FIN; wait for it before letting go of our end.
    await Promise.all(results.map((result) => (result.head.statusCode === 101 ? undefined : result.serverEnded)));
    return results;
  } finally {
    for (const exchange of started) exchange.socket.destroy();
  }
};

const describeOutcome = (outcome: SlowOutcome): string =>
  `${outcome.status ?? 'no answer'}, ${outcome.closedAfterMs === undefined ? 'still open when the attacker gave up' : 'closed'}`;

describe('handshake attacks against the security app in a child process', () => {
  let server: SecurityServer;

  beforeAll(async () => {
    server = await startSecurityServer('attack');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`answers ${SLOW_LORIS_CONNECTIONS} slow-loris connections on the app's server with 408 and closes them within 3 s, serving a fresh client meanwhile`, async () => {
    const run = await AttackRun.start(server, 'slow-loris headers, app server', { path: SECURITY_PATHS.echo });
    let during: Promise<number> | undefined;

    const outcomes = await slowRequests({
      port: server.port,
      count: SLOW_LORIS_CONNECTIONS,
      request: trickledRequest(server.port, SECURITY_PATHS.echo),
      giveUpMs: GIVE_UP_MS,
      onStarted: () => (during = run.probeDuring()),
    });
    await during;

    expect(tally(outcomes, describeOutcome)).toEqual({ '408, closed': SLOW_LORIS_CONNECTIONS });
    const slowest = Math.max(...outcomes.map((outcome) => outcome.closedAfterMs ?? Infinity));
    expect(slowest).toBeLessThan(3000);
    await run.finish({ answer: `408 then TCP close for all ${SLOW_LORIS_CONNECTIONS}, the last after ${slowest} ms (Node headersTimeout 1 s, checked every 250 ms)`, boundBytes: 16 * MiB });
  });

  it(`answers ${SLOW_LORIS_CONNECTIONS} slow-loris connections on a gateway's own port with 408 within the handshake timeout (+2 s), serving a fresh client meanwhile`, async () => {
    const port = server.ownPort as number;
    const run = await AttackRun.start(server, 'slow-loris headers, own-port gateway', { path: SECURITY_PATHS.ownPort }, port);
    let during: Promise<number> | undefined;

    const outcomes = await slowRequests({
      port,
      count: SLOW_LORIS_CONNECTIONS,
      request: trickledRequest(port, SECURITY_PATHS.ownPort),
      giveUpMs: GIVE_UP_MS,
      onStarted: () => (during = run.probeDuring()),
    });
    await during;

    // own-port-server.ts sweeps the heads still arriving every second (at most), against the handshake timeout.
    expect(tally(outcomes, describeOutcome)).toEqual({ '408, closed': SLOW_LORIS_CONNECTIONS });
    const slowest = Math.max(...outcomes.map((outcome) => outcome.closedAfterMs ?? Infinity));
    expect(slowest).toBeLessThan(SECURITY_LIMITS.handshakeTimeoutMs + 2000);
    await run.finish({ answer: `408 then TCP close for all ${SLOW_LORIS_CONNECTIONS}, the last after ${slowest} ms`, boundBytes: 16 * MiB });
  });

  it('drops 200 upgrades whose handshake guard never answers once the 1 s handshake timeout passes, and keeps no socket of them', async () => {
    const run = await AttackRun.start(server, 'handshake guard that never resolves', { path: `${SECURITY_PATHS.auth}?token=good` });
    const before = await server.stats();
    let during: Promise<number> | undefined;
    const request = Buffer.from(upgradeRequest(server.port, key(), { path: `${SECURITY_PATHS.auth}?token=hang` }));

    const outcomes = await slowRequests({
      port: server.port,
      count: 200,
      request,
      bytesPerTick: request.length, // the whole request at once: only the guard is slow
      giveUpMs: GIVE_UP_MS,
      onStarted: () => (during = run.probeDuring()),
    });
    await during;

    // No answer can be honest about a guard that has not decided: the socket is destroyed (upgrade-listener.ts).
    expect(tally(outcomes, describeOutcome)).toEqual({ 'no answer, closed': 200 });
    const slowest = Math.max(...outcomes.map((outcome) => outcome.closedAfterMs ?? Infinity));
    expect(slowest).toBeLessThan(SECURITY_LIMITS.handshakeTimeoutMs + 2000);
    const after = await server.waitForStats((stats) => stats.sockets <= before.sockets, 3000);
    expect({ connections: after.connections, sockets: after.sockets }).toEqual({ connections: 0, sockets: before.sockets });
    await run.finish({ answer: `TCP closed without an answer for all 200, the last after ${slowest} ms; no socket kept`, boundBytes: 16 * MiB });
  });

  it('answers the guard with 401 without a token and 403 with a wrong one, before any 101', async () => {
    const [missing] = await exchanges(server.port, 1, () => upgradeRequest(server.port, key(), { path: SECURITY_PATHS.auth }));
    const [wrong] = await exchanges(server.port, 1, () => upgradeRequest(server.port, key(), { path: `${SECURITY_PATHS.auth}?token=bad` }));

    expect([missing.head.statusCode, headerOf(missing.head, 'www-authenticate'), await missing.serverEnded]).toEqual([401, 'Bearer', true]);
    expect([wrong.head.statusCode, await wrong.serverEnded]).toEqual([403, true]);
  });

  describe('oversized and numerous headers', () => {
    const HEADER_CASES: { name: string; status: number; request: (port: number, path: string) => string }[] = [
      { name: 'one 20 KiB header', status: 431, request: (port, path) => upgradeRequest(port, key(), { path, headers: { 'X-Big': 'b'.repeat(20 * 1024) } }) },
      {
        name: '4,000 headers (20 KiB)',
        status: 431,
        request: (port, path) => upgradeRequest(port, key(), { path, headers: Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`x-${i}`, 'v'])) }),
      },
      {
        name: '2,500 one-letter headers inside 16 KiB',
        // Node keeps the first 2,000 (maxHeadersCount) and the request is otherwise valid.
        status: 101,
        request: (port, path) => upgradeRequest(port, key(), { path, headers: Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [i.toString(36), ''])) }),
      },
    ];

    // The app's server (node:http) and a gateway's own port (our own head parser) give the same answers.
    const PORTS = [
      { where: 'the app server', port: () => server.port, path: SECURITY_PATHS.echo },
      { where: 'a gateway\'s own port', port: () => server.ownPort as number, path: SECURITY_PATHS.ownPort },
    ];
    it.each(PORTS.flatMap((on) => HEADER_CASES.map((headerCase) => ({ ...on, ...headerCase }))))('answers 50 requests with $name on $where with $status (then closes), serving a fresh client meanwhile', async ({ where, port: portOf, path, name, status, request }) => {
      const port = portOf();
      const run = await AttackRun.start(server, `headers on ${where}: ${name}`, { path: SECURITY_PATHS.echo });

      const answers = exchanges(port, 50, () => request(port, path));
      await run.probeDuring();
      const results = await answers;

      expect(tally(results, (result) => String(result.head.statusCode))).toEqual({ [status]: 50 });
      if (status !== 101) expect(await Promise.all(results.map((result) => result.serverEnded))).toEqual(Array(50).fill(true));
      await run.finish({ answer: `${status}${status === 101 ? '' : ' then TCP close'} for all 50`, boundBytes: 24 * MiB });
    });
  });

  describe('pathological Sec-WebSocket-Protocol and Sec-WebSocket-Extensions', () => {
    const list = (count: number, item: (i: number) => string): string => Array.from({ length: count }, (_, i) => item(i)).join(', ');
    const CASES: { name: string; headers: Record<string, string>; status: number }[] = [
      { name: '2,000 distinct protocols, none spoken', headers: { 'Sec-WebSocket-Protocol': list(2000, (i) => `p${i}`) }, status: 101 },
      { name: '2,000 copies of one protocol', headers: { 'Sec-WebSocket-Protocol': list(2000, () => 'chat') }, status: 400 },
      { name: '12,000 empty protocol list elements', headers: { 'Sec-WebSocket-Protocol': ','.repeat(12_000) }, status: 101 },
      { name: 'a protocol list that turns invalid at its end', headers: { 'Sec-WebSocket-Protocol': `${list(2000, (i) => `p${i}`)}, "q"` }, status: 400 },
      { name: '600 extension offers (past the cap of 64)', headers: { 'Sec-WebSocket-Extensions': list(600, () => 'permessage-deflate') }, status: 101 },
      { name: 'one offer with 600 parameters', headers: { 'Sec-WebSocket-Extensions': `permessage-deflate${'; client_max_window_bits'.repeat(600)}` }, status: 101 },
      { name: '12 KiB of escaped quotes in a parameter', headers: { 'Sec-WebSocket-Extensions': `permessage-deflate; x="${'\\"'.repeat(6000)}"` }, status: 101 },
      { name: 'an unterminated quoted string of 12 KiB', headers: { 'Sec-WebSocket-Extensions': `permessage-deflate; x="${'a;,'.repeat(4000)}` }, status: 101 },
      { name: '12,000 semicolons', headers: { 'Sec-WebSocket-Extensions': ';'.repeat(12_000) }, status: 101 },
    ];

    it.each(CASES)('answers 50 requests with $name with $status within 2 s, serving a fresh client meanwhile', async ({ name, headers, status }) => {
      const run = await AttackRun.start(server, `pathological header: ${name}`, { path: SECURITY_PATHS.echo });
      const started = Date.now();

      const answers = exchanges(server.port, 50, () => upgradeRequest(server.port, key(), { headers }), 2000);
      await run.probeDuring();
      const results = await answers;
      const elapsed = Date.now() - started;

      expect(tally(results, (result) => String(result.head.statusCode))).toEqual({ [status]: 50 });
      // Offers we cannot read are declined, not refused (RFC 6455 §9.1); /echo chooses no protocol from a list it does not speak.
      expect(results.filter((result) => headerOf(result.head, 'sec-websocket-extensions') !== undefined || headerOf(result.head, 'sec-websocket-protocol') !== undefined)).toEqual([]);
      await run.finish({ answer: `${status} for all 50 in ${elapsed} ms, no protocol or extension accepted`, boundBytes: 24 * MiB });
    });
  });

  it.each([
    { name: 'HTTP/1.0', request: (port: number) => upgradeRequest(port, key(), { httpVersion: 'HTTP/1.0' }), status: 400 },
    { name: 'a duplicated Sec-WebSocket-Key', request: (port: number) => upgradeRequest(port, key(), { headers: { 'Sec-WebSocket-Key': [key(), key()] } }), status: 400 },
    { name: 'Sec-WebSocket-Version 8', request: (port: number) => upgradeRequest(port, key(), { headers: { 'Sec-WebSocket-Version': '8' } }), status: 426 },
  ])('refuses $name with $status and Connection: close, then ends TCP', async ({ request, status }) => {
    const [result] = await exchanges(server.port, 1, () => request(server.port));

    expect([result.head.statusCode, headerOf(result.head, 'connection'), await result.serverEnded]).toEqual([status, 'close', true]);
  });
});
