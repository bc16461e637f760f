// Builds clients on FakeWebSocket and records what they report, for the WsClient unit specs.
import { ClientOptions, ConnectionEvents, createClient, EventMap, WsClient } from '../../../lib/client';
import { FakeWebSocket } from './fake-web-socket';

export const URL = 'ws://server.test/chat';

/**
 * A client on FakeWebSocket with jitter pinned at 0.5, so delays are exactly half the cap. The HTTP
 * fallback is off: these specs follow WebSocket attempts (ws-client.fallback.spec.ts turns it on).
 */
export function fakeClient<E extends object = EventMap, R extends object = EventMap>(options: ClientOptions<E, R> = {}): WsClient<E, R> {
  return createClient<E, R>(URL, { WebSocket: FakeWebSocket, random: () => 0.5, fallback: false, ...options });
}

export type Recorded = { [K in keyof ConnectionEvents]: [K, ConnectionEvents[K]] }[keyof ConnectionEvents];

const CONNECTION_EVENTS: Array<keyof ConnectionEvents> = ['open', 'close', 'reconnecting', 'reconnected', 'reconnectFailed', 'state', 'dropped', 'error'];

/** Every connection event, in order, as [name, payload]. */
export function recordConnection(client: WsClient<object, object>): Recorded[] {
  const recorded: Recorded[] = [];
  for (const name of CONNECTION_EVENTS) {
    client.onConnection(name, (payload) => recorded.push([name, payload] as Recorded));
  }
  return recorded;
}

/** The states a recording went through, in order. */
export const statesOf = (recorded: Recorded[]): string[] =>
  recorded.flatMap(([name, payload]) => (name === 'state' ? [(payload as ConnectionEvents['state']).state] : []));

/** Lets the client's promise chains (the onReconnect hook, request settlement) run. */
export async function settle(): Promise<void> {
  await jest.advanceTimersByTimeAsync(0);
}

/** connect() and open the first socket: the client is 'open'. */
export async function connected<E extends object, R extends object>(client: WsClient<E, R>): Promise<FakeWebSocket> {
  const opened = client.connect();
  FakeWebSocket.last.open();
  await opened;
  return FakeWebSocket.last;
}
