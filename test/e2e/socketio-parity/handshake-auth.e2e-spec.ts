// socket.io's `io(url, { auth: { token } })`, read by middleware from `socket.handshake.auth`, in our
// API: the client's `auth` goes in its first message, `$auth`; handshake guards read `handshake.auth`.
// The token must never be in a URL or a log line.
import { ForbiddenException, Injectable, LoggerService, Module, UnauthorizedException } from '@nestjs/common';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { WebSocket } from 'undici';
import {
  ConnectedSocket,
  ConnectionRegistry,
  Gateway,
  HandshakeContext,
  HandshakeGuard,
  OnGatewayConnection,
  OnMessage,
  UseHandshakeGuards,
  WebSocketModule,
  WsConnection,
} from '../../../lib';
import { AuthRefusedError, createClient, WsClient } from '../../../lib/client';
import { Deferred, startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { waitUntil, WsTestClient } from '../../helpers/ws-test-client';

const RIGHT_TOKEN = 'tok-3f9a-right';
const FRESH_TOKEN = 'tok-3f9a-fresh';
const WRONG_TOKEN = 'tok-77c1-wrong';
const SLOW_TOKEN = 'tok-slow';
/** Holds the guard on SLOW_TOKEN until the test releases it. */
let slowGate = new Deferred();
/** The server's socket of each connection whose guard waits on slowGate. */
const slowSockets: Socket[] = [];

@Injectable()
class TokenGuard implements HandshakeGuard {
  async canActivate({ request, handshake, data }: HandshakeContext): Promise<boolean> {
    const token = handshake.auth?.token;
    if (typeof token !== 'string') throw new UnauthorizedException('a token is required');
    if (token === SLOW_TOKEN) {
      slowSockets.push(request.socket);
      await slowGate.promise;
    }
    if (token === 'tok-banned') throw new ForbiddenException('banned');
    if (token === 'tok-explode') throw new Error('the token store is down');
    if (![RIGHT_TOKEN, FRESH_TOKEN, SLOW_TOKEN].includes(token)) return false;
    data.user = 'ada';
    return true;
  }
}

const connectedUsers: unknown[] = [];
/** The request URL of every connection the gateway accepted, as the server saw it. */
const acceptedUrls: string[] = [];

@Gateway({ path: '/secure', authMessage: { timeoutMs: 300 } })
@UseHandshakeGuards(TokenGuard)
class SecureGateway implements OnGatewayConnection {
  handleConnection(client: WsConnection): void {
    connectedUsers.push(client.data.user);
    acceptedUrls.push(client.handshake.url);
  }

  @OnMessage('whoami')
  whoami(@ConnectedSocket() client: WsConnection): unknown {
    return { user: client.data.user, auth: client.handshake.auth };
  }
}

/** A gateway without authMessage: `$auth` is an event like any other there. */
@Gateway({ path: '/open' })
class OpenGateway {}

@Module({ imports: [WebSocketModule.forRoot({ logLevels: ['log', 'warn', 'error', 'debug', 'verbose'] })], providers: [SecureGateway, OpenGateway, TokenGuard] })
class SecureModule {}

/** Every line the application logs, at every level. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (...parts: unknown[]): void => void this.lines.push(parts.map(String).join(' '));
  error = this.log;
  warn = this.log;
  debug = this.log;
  verbose = this.log;
  fatal = this.log;
}

describe('handshake auth in the first message (socket.io auth)', () => {
  let started: StartedApp;
  const logger = new RecordingLogger();
  const clients: WsClient<object, object>[] = [];
  const rawClients: WsTestClient[] = [];

  beforeAll(async () => {
    started = await startApp(SecureModule, { logger });
  });
  beforeEach(() => {
    connectedUsers.length = 0;
    slowSockets.length = 0;
    slowGate = new Deferred();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(rawClients.splice(0).map((client) => client.close().catch(() => client.terminate())));
  });
  afterAll(async () => {
    await started.app.close();
    // Last: every test's URLs and log lines, refusals and closes included.
    expect(acceptedUrls).toContain('/secure');
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const text of [...acceptedUrls, ...logger.lines]) expect(text).not.toMatch(/tok-/);
  });

  const client = (auth: Record<string, unknown> | (() => Record<string, unknown>)): WsClient => {
    const created = createClient(started.wsUrl('/secure'), { WebSocket, auth, reconnect: { initialDelayMs: 0, maxDelayMs: 0 } });
    clients.push(created);
    return created;
  };
  const raw = async (): Promise<WsTestClient> => {
    const opened = await WsTestClient.connect(started.wsUrl('/secure'));
    rawClients.push(opened);
    return opened;
  };

  it('lets a guard accept the right token from handshake.auth before handleConnection and any handler run', async () => {
    const ada = client({ token: RIGHT_TOKEN });

    await ada.connect();

    expect(connectedUsers).toEqual(['ada']);
    expect(await ada.request('whoami')).toEqual({ user: 'ada', auth: { token: RIGHT_TOKEN } });
  });

  it('refuses a wrong token: connect() rejects with AuthRefusedError FORBIDDEN, the client does not retry, nothing reached the gateway', async () => {
    let attempts = 0;
    const mallory = client(() => {
      attempts += 1;
      return { token: WRONG_TOKEN };
    });

    const error = await mallory.connect().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthRefusedError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', event: '$auth' });
    expect(mallory.state).toBe('closed');
    expect(attempts).toBe(1);
    expect(connectedUsers).toEqual([]);
  });

  it('fails loudly when the client sends auth to a gateway without authMessage: AuthRefusedError UNKNOWN_EVENT, no retry', async () => {
    const misconfigured = createClient(started.wsUrl('/open'), { WebSocket, auth: { token: RIGHT_TOKEN }, reconnect: { initialDelayMs: 0, maxDelayMs: 0 } });
    clients.push(misconfigured);

    const error = await misconfigured.connect().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AuthRefusedError);
    expect(error).toMatchObject({ code: 'UNKNOWN_EVENT', event: '$auth' });
    expect(misconfigured.state).toBe('closed');
  });

  it('answers UNAUTHORIZED with the guard message when auth carries no token', async () => {
    await expect(client({}).connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'a token is required' });
  });

  it('asks an auth function before every attempt, so a reconnection presents a fresh token', async () => {
    const tokens = [RIGHT_TOKEN, FRESH_TOKEN];
    const presented: string[] = [];
    const ada = client(() => {
      const token = tokens.shift() ?? WRONG_TOKEN;
      presented.push(token);
      return { token };
    });
    await ada.connect();
    const reconnected = new Promise((resolve) => ada.onConnection('reconnected', resolve));

    for (const connection of started.app.get(ConnectionRegistry).all()) connection.close(1012, 'restart');
    await reconnected;

    expect(presented).toEqual([RIGHT_TOKEN, FRESH_TOKEN]);
    expect(await ada.request('whoami')).toEqual({ user: 'ada', auth: { token: FRESH_TOKEN } });
  });

  it('closes with 1008 a connection that sends no $auth in time, and keeps it out of the registry meanwhile', async () => {
    const silent = await raw();

    expect(started.app.get(ConnectionRegistry).count).toBe(0);
    expect(await silent.closed()).toEqual({ code: 1008, reason: 'no $auth message in time' });
    expect(connectedUsers).toEqual([]);
  });

  it('answers BAD_MESSAGE and closes with 1008 when the first message is not $auth, without running the handler', async () => {
    const eager = await raw();

    await eager.sendEvent('whoami', undefined, 1);

    expect(await eager.nextEnvelope()).toEqual({
      event: 'error',
      data: { event: '$auth', code: 'BAD_MESSAGE', message: 'the first message must be {"event":"$auth","data":{…}}' },
      id: 1,
    });
    expect(await eager.closed()).toEqual({ code: 1008, reason: 'BAD_MESSAGE' });
  });

  it('closes with 1008 when another message comes before $auth was answered', async () => {
    const hasty = await raw();

    await hasty.sendEvent('$auth', { token: SLOW_TOKEN }, 1);
    await hasty.sendEvent('whoami', undefined, 2);
    const closed = await hasty.closed();
    slowGate.resolve();

    expect(closed).toEqual({ code: 1008, reason: 'a message was sent before $auth was answered' });
    expect(connectedUsers).toEqual([]);
  });

  it('closes with 1008 when the guards do not decide within the auth timeout, and lets nothing in when they say yes later', async () => {
    const stuck = await raw();

    await stuck.sendEvent('$auth', { token: SLOW_TOKEN }, 1);
    const closed = await stuck.closed();
    slowGate.resolve();
    const next = createClient(started.wsUrl('/secure'), { WebSocket, auth: { token: RIGHT_TOKEN }, reconnect: false });
    clients.push(next);
    await next.connect();

    expect(closed).toEqual({ code: 1008, reason: 'the guards did not decide on $auth in time' });
    expect(connectedUsers).toEqual(['ada']);
    expect(started.app.get(ConnectionRegistry).count).toBe(1);
  });

  it('lets nothing in when the client resets the connection while the guards run', async () => {
    const gone = await raw();

    await gone.sendEvent('$auth', { token: SLOW_TOKEN }, 1);
    await waitUntil(() => slowSockets.length === 1, () => 'the guard did not start');
    const serverSide = slowSockets[0];
    const serverSaw = once(serverSide, 'close');
    gone.terminate();
    await serverSaw;
    slowGate.resolve();
    // A connection the guards let in would be registered before its $auth answer: a fresh one's answer comes after.
    const next = createClient(started.wsUrl('/secure'), { WebSocket, auth: { token: RIGHT_TOKEN }, reconnect: false });
    clients.push(next);
    await next.connect();

    expect(connectedUsers).toEqual(['ada']);
    expect(started.app.get(ConnectionRegistry).count).toBe(1);
  });

  it('answers INTERNAL without details and closes with 1011 when a guard fails, logging the failure once', async () => {
    const unlucky = await raw();
    const linesBefore = logger.lines.length;

    await unlucky.sendEvent('$auth', { token: 'tok-explode' }, 'auth');

    expect(await unlucky.nextEnvelope()).toEqual({ event: 'error', data: { event: '$auth', code: 'INTERNAL', message: 'internal error' }, id: 'auth' });
    expect(await unlucky.closed()).toEqual({ code: 1011, reason: 'INTERNAL' });
    expect(logger.lines.slice(linesBefore).filter((line) => line.includes('the token store is down'))).toHaveLength(1);
  });

  it('answers a guard that throws ForbiddenException with FORBIDDEN and its message, closing with 1008', async () => {
    const banned = await raw();

    await banned.sendEvent('$auth', { token: 'tok-banned' }, 'auth');

    expect(await banned.nextEnvelope()).toEqual({ event: 'error', data: { event: '$auth', code: 'FORBIDDEN', message: 'banned' }, id: 'auth' });
    expect(await banned.closed()).toEqual({ code: 1008, reason: 'FORBIDDEN' });
  });
});
