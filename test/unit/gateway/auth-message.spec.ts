import { EventEmitter } from 'node:events';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { AuthMessageDeps, awaitAuthMessage } from '../../../lib/gateway/auth-message';
import { ReadyState } from '../../../lib/transport/connection';
import type { Connection } from '../../../lib/transport/connection';

/** The part of a Connection the auth step uses: messages in, sends and a close out. */
class FakeTransport extends EventEmitter {
  readyState = ReadyState.Open;
  protocol: string | undefined = undefined;
  readonly sent: unknown[] = [];
  closedWith: { code: number; reason?: string } | undefined;

  send(text: string): boolean {
    this.sent.push(JSON.parse(text));
    return true;
  }

  close(code: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = ReadyState.Closing;
  }
}

function upgradeRequest(): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.url = '/secure';
  return request;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('awaitAuthMessage', () => {
  const deps = (overrides: Partial<AuthMessageDeps> = {}): AuthMessageDeps => ({
    guards: [{ canActivate: () => true }],
    codec: new JsonEventCodec(),
    timeoutMs: 10_000,
    onGuardFailed: jest.fn(),
    onStartFailed: jest.fn(),
    ...overrides,
  });

  it('closes with 1011 and reports the error once when the gateway cannot start a connection its guards let in', async () => {
    const transport = new FakeTransport();
    const given = deps();
    const failure = new Error('a session hook threw');

    awaitAuthMessage(transport as unknown as Connection, upgradeRequest(), given, () => {
      throw failure;
    });
    transport.emit('message', JSON.stringify({ event: '$auth', data: { token: 't' }, id: 1 }));
    await settle();

    expect(given.onStartFailed).toHaveBeenCalledTimes(1);
    expect(given.onStartFailed).toHaveBeenCalledWith(failure);
    expect(transport.closedWith).toEqual({ code: 1011, reason: undefined });
    expect(transport.sent).toEqual([]);
    expect(transport.listenerCount('message') + transport.listenerCount('close')).toBe(0);
  });

  it('hands the guards handshake.auth, answers $auth once the gateway started, and keeps no listener of its own afterwards', async () => {
    const transport = new FakeTransport();
    let seenAuth: unknown;
    const given = deps({
      guards: [
        {
          canActivate: ({ handshake }) => {
            seenAuth = handshake.auth;
            return true;
          },
        },
      ],
    });
    const started: unknown[] = [];

    awaitAuthMessage(transport as unknown as Connection, upgradeRequest(), given, (_transport, _request, handshake, data) => void started.push({ auth: handshake.auth, data }));
    transport.emit('message', JSON.stringify({ event: '$auth', data: { token: 't' }, id: 7 }));
    await settle();

    expect(seenAuth).toEqual({ token: 't' });
    expect(started).toEqual([{ auth: { token: 't' }, data: {} }]);
    expect(transport.sent).toEqual([{ event: '$auth', data: null, id: 7 }]);
    expect(transport.listenerCount('message') + transport.listenerCount('close')).toBe(0);
  });
  it('closes with 1008 when the guards have not decided within timeoutMs, and lets nothing in when they say yes later', async () => {
    jest.useFakeTimers();
    try {
      const transport = new FakeTransport();
      let letIn: (isAllowed: boolean) => void = () => undefined;
      const given = deps({ timeoutMs: 500, guards: [{ canActivate: () => new Promise<boolean>((resolve) => (letIn = resolve)) }] });
      const started = jest.fn();

      awaitAuthMessage(transport as unknown as Connection, upgradeRequest(), given, started);
      transport.emit('message', JSON.stringify({ event: '$auth', data: { token: 't' }, id: 1 }));
      jest.advanceTimersByTime(500);
      transport.emit('close');
      letIn(true);
      await jest.runAllTimersAsync();

      expect(transport.closedWith).toEqual({ code: 1008, reason: 'the guards did not decide on $auth in time' });
      expect(started).not.toHaveBeenCalled();
      expect(transport.sent).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not bound the gateway start once the guards said yes: a slow handleConnection is answered, not closed', async () => {
    jest.useFakeTimers();
    try {
      const transport = new FakeTransport();
      let finishStart: () => void = () => undefined;

      awaitAuthMessage(transport as unknown as Connection, upgradeRequest(), deps({ timeoutMs: 500 }), () => new Promise<void>((resolve) => (finishStart = resolve)));
      transport.emit('message', JSON.stringify({ event: '$auth', data: { token: 't' }, id: 2 }));
      await jest.advanceTimersByTimeAsync(1_000);
      finishStart();
      await jest.runAllTimersAsync();

      expect(transport.closedWith).toBeUndefined();
      expect(transport.sent).toEqual([{ event: '$auth', data: null, id: 2 }]);
    } finally {
      jest.useRealTimers();
    }
  });
  it('leaves the answer to a request of handleConnection to the gateway, and still closes for any other message before the $auth answer', async () => {
    const transport = new FakeTransport();
    let finishStart: () => void = () => undefined;
    let decide: (isAllowed: boolean) => void = () => undefined;
    const given = deps({ guards: [{ canActivate: () => new Promise<boolean>((resolve) => (decide = resolve)) }] });

    awaitAuthMessage(transport as unknown as Connection, upgradeRequest(), given, () => new Promise<void>((resolve) => (finishStart = resolve)));
    transport.emit('message', JSON.stringify({ event: '$auth', data: { token: 't' }, id: 1 }));
    decide(true);
    await settle();
    transport.emit('message', JSON.stringify({ event: 'whoareyou', data: 'ada', ack: 1 }));
    const closedByAnswer = transport.closedWith;
    transport.emit('message', JSON.stringify({ event: 'say', data: 'early' }));
    finishStart();
    await settle();

    expect(closedByAnswer).toBeUndefined();
    expect(transport.closedWith).toEqual({ code: 1008, reason: 'a message was sent before $auth was answered' });
  });

  it('closes for an answer that comes while the guards still decide: nothing has asked yet', () => {
    const transport = new FakeTransport();
    const started = jest.fn();

    awaitAuthMessage(transport as unknown as Connection, upgradeRequest(), deps({ guards: [{ canActivate: () => new Promise<boolean>(() => undefined) }] }), started);
    transport.emit('message', JSON.stringify({ event: '$auth', data: { token: 't' }, id: 1 }));
    transport.emit('message', JSON.stringify({ event: 'whoareyou', data: 'ada', ack: 1 }));
    transport.emit('close');

    expect(transport.closedWith).toEqual({ code: 1008, reason: 'a message was sent before $auth was answered' });
    expect(started).not.toHaveBeenCalled();
  });
});
