import { randomBytes } from 'node:crypto';
import { FLOOD_MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS } from '../fixtures/security/security-app';
import type { FloodCommand, FloodMessage, FloodReport } from '../fixtures/security/flood-client';
import { HEARTBEAT, IDLE_TIMEOUT_MS, RATE_LIMIT, SECURITY_PATHS } from '../fixtures/security/security-gateways';
import { AttackSocket } from '../helpers/attack-socket';
import { AttackRun, MiB, tally } from '../helpers/attack-run';
import { EnvelopeMember } from '../helpers/envelope-member';
import { HttpExchange, headerOf, upgradeRequest } from '../helpers/raw-http';
import { OP, encodeFrame } from '../helpers/raw-frames';
import { SecurityServer, startSecurityServer } from '../helpers/security-server';
import { spawnTsChild, TsChild } from '../helpers/ts-child';

// Attacks on the number and the behaviour of connections: a flood of 10,000, one address taking
// more than its share, browsers from foreign origins, clients over their rate limits, peers that
// vanish without a FIN and clients that say nothing. The server runs the 'flood' profile
// (FLOOD_MAX_CONNECTIONS in total, MAX_CONNECTIONS_PER_ADDRESS per address) in its own process.

jest.setTimeout(120_000);

const FLOOD_CONNECTIONS = 10_000;
const path = SECURITY_PATHS.echo;
/** Fresh clients come from here; attackers from other loopback addresses. */
const FRESH_ADDRESS = '127.0.0.1';

describe('connection attacks against the security app (flood profile) in a child process', () => {
  let server: SecurityServer;
  let flooder: TsChild<FloodCommand, FloodMessage> | undefined;

  beforeAll(async () => {
    server = await startSecurityServer('flood');
  });
  afterEach(async () => {
    await flooder?.kill();
    flooder = undefined;
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Starts a flood in its own process; calls `onHalfway` when half the connections have their answer. */
  const startFlood = async (count: number, localAddresses: string[], onHalfway: () => void): Promise<FloodReport> => {
    flooder = spawnTsChild<FloodCommand, FloodMessage>('test/fixtures/security/flood-client.ts', []);
    const halfway = flooder.next('progress', 60_000).then(onHalfway);
    const report = flooder.next('flooded', 90_000);
    flooder.send({ type: 'flood', port: server.port, path, count, concurrency: 500, localAddresses, answerWaitMs: 10_000 });
    await halfway;
    return report;
  };

  const release = async (): Promise<void> => {
    const released = flooder?.next('released', 30_000);
    flooder?.send({ type: 'release' });
    await released;
  };

  it(`answers ${FLOOD_CONNECTIONS.toLocaleString('en')} connections from one address with ${MAX_CONNECTIONS_PER_ADDRESS} upgrades and 503 for the rest, serving a client from another address meanwhile`, async () => {
    const run = await AttackRun.start(server, `connection flood: ${FLOOD_CONNECTIONS} from one address`, { path, localAddress: FRESH_ADDRESS });
    let during: Promise<number> | undefined;

    const report = await startFlood(FLOOD_CONNECTIONS, ['127.0.0.2'], () => (during = run.probeDuring()));
    await during;
    const held = await server.stats();
    await release();
    const after = await server.waitForStats((stats) => stats.connections === 0, 10_000);

    expect({ outcomes: report.outcomes, notEnded: report.notEnded }).toEqual({
      outcomes: { 101: MAX_CONNECTIONS_PER_ADDRESS, 503: FLOOD_CONNECTIONS - MAX_CONNECTIONS_PER_ADDRESS },
      notEnded: 0,
    });
    expect({ whileHeld: held.connections, afterRelease: after.connections }).toEqual({ whileHeld: MAX_CONNECTIONS_PER_ADDRESS, afterRelease: 0 });
    await run.finish({
      answer: `${MAX_CONNECTIONS_PER_ADDRESS} × 101, ${FLOOD_CONNECTIONS - MAX_CONNECTIONS_PER_ADDRESS} × 503 then TCP close, in ${report.durationMs} ms`,
      boundBytes: 96 * MiB,
      heldBoundBytes: 4 * MiB,
    });
  });

  it(`answers ${FLOOD_CONNECTIONS.toLocaleString('en')} connections from 20 addresses with ${FLOOD_MAX_CONNECTIONS} upgrades and 503 past the cap, answering a fresh client with 503 at the cap and serving it once the flood lets go`, async () => {
    const run = await AttackRun.start(server, `connection flood: ${FLOOD_CONNECTIONS} from 20 addresses`, { path, localAddress: FRESH_ADDRESS });
    const addresses = Array.from({ length: 20 }, (_, i) => `127.0.0.${10 + i}`);
    let during: Promise<number> | undefined;

    const report = await startFlood(FLOOD_CONNECTIONS, addresses, () => (during = run.probeAnswered([101, 503])));
    await during;
    const atCap = await run.probeAnswered([503]);
    await release();
    await server.waitForStats((stats) => stats.connections === 0, 10_000);

    expect({ outcomes: report.outcomes, notEnded: report.notEnded, atCap }).toEqual({
      outcomes: { 101: FLOOD_MAX_CONNECTIONS, 503: FLOOD_CONNECTIONS - FLOOD_MAX_CONNECTIONS },
      notEnded: 0,
      atCap: 503,
    });
    await run.finish({
      answer: `${FLOOD_MAX_CONNECTIONS} × 101, ${FLOOD_CONNECTIONS - FLOOD_MAX_CONNECTIONS} × 503 then TCP close, in ${report.durationMs} ms; a fresh client at the cap is answered 503 at once`,
      boundBytes: 96 * MiB,
      heldBoundBytes: 4 * MiB,
    });
  });

  describe('origins', () => {
    const originRequest = (origin: string | null): string => upgradeRequest(server.port, randomBytes(16).toString('base64'), { path: SECURITY_PATHS.origin, headers: { Origin: origin } });
    const answer = async (origin: string | null): Promise<{ status: number; connection: string | undefined; isEnded: boolean }> => {
      const exchange = new HttpExchange(server.port, originRequest(origin));
      try {
        const { head, serverEnded } = await exchange.result;
        return { status: head.statusCode, connection: headerOf(head, 'connection'), isEnded: head.statusCode === 101 || (await serverEnded) };
      } finally {
        exchange.socket.destroy();
      }
    };

    it.each([
      ['https://evil.example.net', 403],
      ['https://app.example.com.evil.net', 403],
      ['https://evil.net/https://app.example.com', 403],
      ['http://app.example.com', 403],
      ['https://app.example.com:8443', 403],
      ['https://example.org', 403],
      ['https://a.example.org:444', 403],
      ['https://a.example.org.evil.net', 403],
      ['https://ok-1.test.evil.net', 403],
      ['null', 403],
      ['https://app.example.com', 101],
      ['HTTPS://APP.EXAMPLE.COM', 101],
      ['https://a.example.org', 101],
      ['https://a.b.example.org', 101],
      ['https://ok-42.test', 101],
    ])('answers Origin %s with %i', async (origin, status) => {
      expect(await answer(origin)).toEqual({ status, connection: status === 101 ? 'Upgrade' : 'close', isEnded: true });
    });

    it('lets a request without Origin in: only browsers send one, and the allow-list defends browsers', async () => {
      expect((await answer(null)).status).toBe(101);
    });

    it('refuses 200 foreign-origin handshakes at once with 403, serving an allowed origin meanwhile', async () => {
      const run = await AttackRun.start(server, 'foreign Origin with an allow-list', { path: SECURITY_PATHS.origin, headers: { Origin: 'https://app.example.com' } });

      const answers = Promise.all(Array.from({ length: 200 }, () => answer('https://evil.example.net')));
      await run.probeDuring();

      expect(tally(await answers, (result) => `${result.status}, ${result.connection}, ${result.isEnded ? 'ended' : 'open'}`)).toEqual({ '403, close, ended': 200 });
      await run.finish({ answer: '403 with Connection: close, then TCP close, for all 200 (a request without Origin is let in)', boundBytes: 16 * MiB });
    });
  });

  describe('rate limits', () => {
    /** Writes `count` echo requests in one go, faster than any limit. */
    const fire = async (attacker: AttackSocket, count: number, data: (i: number) => unknown): Promise<void> => {
      await attacker.write(Buffer.concat(Array.from({ length: count }, (_, i) => encodeFrame({ opcode: OP.text, payload: JSON.stringify({ event: 'echo', data: data(i), id: i + 1 }) }))));
    };

    it(`answers messages past ${RATE_LIMIT.messagesPerSecond} per second with RATE_LIMITED error envelopes and keeps the connection`, async () => {
      const run = await AttackRun.start(server, 'rate limit (messages, error envelope)', { path: SECURITY_PATHS.rate, mode: 'envelope' });
      const { frames, member } = await collect(SECURITY_PATHS.rate, (m) => fire(m, 100, (i) => i), 100);
      await run.probeDuring({ mode: 'envelope' });

      const served = frames.filter((envelope) => envelope.event === 'echo');
      const limited = frames.filter((envelope) => envelope.event === 'error' && (envelope.data as { code?: string }).code === 'RATE_LIMITED');
      expect({ total: frames.length, servedAboutTheBurst: served.length >= RATE_LIMIT.messagesPerSecond && served.length <= RATE_LIMIT.messagesPerSecond + 2 }).toEqual({
        total: 100,
        servedAboutTheBurst: true,
      });
      expect(limited.length).toBe(100 - served.length);
      // The bucket refills continuously: two messages' worth of time later, the connection is served again.
      await new Promise((resolve) => setTimeout(resolve, (2 * 1000) / RATE_LIMIT.messagesPerSecond));
      expect((await member.request('echo', 'still open', 3000)).data).toBe('still open');
      member.destroy();
      await run.finish({ answer: `${served.length} echoed, ${limited.length} RATE_LIMITED error envelopes (without the request id), connection open`, boundBytes: 8 * MiB });
    });

    it(`answers messages past ${RATE_LIMIT.bytesPerSecond / 1024} KiB per second with RATE_LIMITED`, async () => {
      const text = 'b'.repeat(16 * 1024);
      const { frames, member } = await collect(SECURITY_PATHS.rate, (m) => fire(m, 8, () => text), 8);

      // Each envelope is 16,414 bytes: three fit in 64 KiB, a fourth when the few ms it took refilled 120 bytes.
      const served = frames.filter((envelope) => envelope.event === 'echo').length;
      expect({ served: served === 3 || served === 4, limited: frames.filter((envelope) => envelope.event === 'error').length }).toEqual({ served: true, limited: 8 - served });
      member.destroy();
    });

    it(`closes a client that sends past ${RATE_LIMIT.messagesPerSecond} messages per second with 1008 when the gateway says close`, async () => {
      const run = await AttackRun.start(server, 'rate limit (messages, close 1008)', { path: SECURITY_PATHS.rateClose, mode: 'envelope' });
      const member = await EnvelopeMember.open(server.port, SECURITY_PATHS.rateClose);

      await fire(member.socket, 100, (i) => i);
      await member.closed(5000);
      await run.probeDuring({ mode: 'envelope' });

      expect(member.closeCode).toBe(1008);
      await run.finish({ answer: 'close 1008 "rate limit exceeded", then TCP close', boundBytes: 8 * MiB });
    });
  });

  describe('half-open and idle clients', () => {
    /** Answers every ping with a pong, as a live client does; stops when the connection closes. */
    const answerPings = (attacker: AttackSocket, onText?: () => void): Promise<void> =>
      (async () => {
        for (;;) {
          const frame = await attacker.reader.frame(30_000).catch(() => undefined);
          if (!frame || frame.opcode === OP.close) return;
          if (frame.opcode === OP.ping) await attacker.write(encodeFrame({ opcode: OP.pong, payload: frame.payload }));
          else if (frame.opcode === OP.text) onText?.();
        }
      })();

    it(`terminates 20 clients that stop answering pings within ${(HEARTBEAT.maxMissedPongs + 2) * HEARTBEAT.heartbeatIntervalMs} ms, and keeps one that answers`, async () => {
      const run = await AttackRun.start(server, 'half-open clients (no pongs)', { path: SECURITY_PATHS.heartbeat });
      const live = await AttackSocket.open(server.port, { path: SECURITY_PATHS.heartbeat });
      const liveLoop = answerPings(live);
      const silent = await Promise.all(Array.from({ length: 20 }, () => AttackSocket.open(server.port, { path: SECURITY_PATHS.heartbeat })));
      // A peer that vanished without a FIN reads nothing and answers nothing: from the server's side, these.
      for (const attacker of silent) attacker.pauseReading();
      const started = Date.now();

      const after = await server.waitForStats((stats) => (stats.byGateway.HeartbeatGateway ?? 0) <= 1, 5000);
      const elapsed = Date.now() - started;
      await run.probeDuring();

      expect(after.byGateway.HeartbeatGateway).toBe(1);
      expect(elapsed).toBeLessThan((HEARTBEAT.maxMissedPongs + 2) * HEARTBEAT.heartbeatIntervalMs + 2000);
      for (const attacker of silent) attacker.resumeReading();
      await Promise.all(silent.map((attacker) => attacker.reader.tcpClosed()));
      expect(live.reader.isClosed).toBe(false);
      await live.write(encodeFrame({ opcode: OP.text, payload: 'alive' }));
      live.destroy();
      await liveLoop;
      await run.finish({ answer: `all 20 terminated (TCP closed, no close frame) ${elapsed} ms after they went silent; the client answering pings stayed`, boundBytes: 8 * MiB });
    });

    it(`closes a client that answers pings but sends nothing for ${IDLE_TIMEOUT_MS} ms with 1000 "idle timeout", and keeps one that talks`, async () => {
      const idle = await AttackSocket.open(server.port, { path: SECURITY_PATHS.idle });
      const talker = await AttackSocket.open(server.port, { path: SECURITY_PATHS.idle });
      let echoes = 0;
      const talkerLoop = answerPings(talker, () => echoes++);
      const timer = setInterval(() => void talker.write(encodeFrame({ opcode: OP.text, payload: 'hi' })), IDLE_TIMEOUT_MS / 4);
      try {
        let closeFrame;
        for (;;) {
          const frame = await idle.reader.frame(IDLE_TIMEOUT_MS + 3000);
          if (frame.opcode === OP.ping) await idle.write(encodeFrame({ opcode: OP.pong, payload: frame.payload }));
          if (frame.opcode === OP.close) {
            closeFrame = frame;
            break;
          }
        }
        expect([closeFrame.payload.readUInt16BE(0), closeFrame.payload.subarray(2).toString()]).toEqual([1000, 'idle timeout']);
        expect({ talkerOpen: !talker.reader.isClosed, talkerServed: echoes > 0 }).toEqual({ talkerOpen: true, talkerServed: true });
      } finally {
        clearInterval(timer);
        idle.destroy();
        talker.destroy();
        await talkerLoop;
      }
    });
  });

  /** Opens an envelope client, runs `act`, and gathers `count` envelopes (replies and errors) in arrival order. */
  async function collect(at: string, act: (attacker: AttackSocket) => Promise<void>, count: number): Promise<{ frames: { event: string; data?: unknown; id?: unknown }[]; member: EnvelopeMember }> {
    const attacker = await AttackSocket.open(server.port, { path: at });
    await act(attacker);
    const frames = [];
    for (let i = 0; i < count; i++) frames.push(JSON.parse((await attacker.reader.frame()).payload.toString()) as { event: string; data?: unknown; id?: unknown });
    return { frames, member: await EnvelopeMember.adopt(attacker) };
  }
});
