import { EventMap, EventSender } from './event-map';
import { FetchLike } from './fetch-like';
import { OverflowPolicy } from './outbox';
import { WebSocketConstructor } from './web-socket-like';

/** When and how the client falls back to the HTTP fallback (SSE down, POST up) and moves back up. */
export interface FallbackClientOptions {
  /** The first WebSocket probe, once on the fallback, waits this long; each failed probe doubles it. Default 10 s. */
  probeDelayMs: number;
  /** The cap of the doubling. Default 5 minutes. */
  maxProbeDelayMs: number;
  /** The platform's fetch by default (browsers, Node 18+). */
  fetch?: FetchLike;
}

export interface ReconnectOptions {
  /** The first retry waits a random time below this. */
  initialDelayMs: number;
  /** The cap that the doubling stops at. */
  maxDelayMs: number;
  /** Attempts in a row before the client gives up and closes; Infinity by default. */
  maxAttempts: number;
}

export interface QueueOptions {
  /** Emits and requests kept while disconnected. 0 keeps none (the overflow policy applies at once). */
  maxMessages: number;
  /** When full: push out the oldest, refuse the newest (both reported as 'dropped'), or throw QueueFullError. */
  overflow: OverflowPolicy;
}

/** What onReconnect gets: send here to rejoin rooms; these go out before the queued messages. */
export interface ReconnectContext<Emits extends object = EventMap, Receives extends object = EventMap> extends EventSender<Emits, Receives> {
  /** Attempts this reconnection took. */
  readonly attempts: number;
}

/** What a gateway with `authMessage` gets in `handshake.auth`, e.g. `{ token }`. */
export type AuthData = Record<string, unknown>;

/** The auth data, or a function asked before every attempt (a fresh token after a reconnection). */
export type ClientAuth = AuthData | (() => AuthData | Promise<AuthData>);

export interface ClientOptions<Emits extends object = EventMap, Receives extends object = EventMap> {
  /** The WebSocket to build on: `globalThis.WebSocket` by default; on Node 20, undici's. */
  WebSocket?: WebSocketConstructor;
  /** Subprotocols to offer (Sec-WebSocket-Protocol). */
  protocols?: string | string[];
  /**
   * Sent as the first message of every connection (`{"event":"$auth","data":…}`), before anything
   * else, for a gateway with `authMessage`: credentials stay out of the URL, where logs keep them.
   * The connection counts as open once the server accepted it; a refusal closes the client with
   * AuthRefusedError.
   *
   * @example
   * auth: async () => ({ token: await session.freshToken() }),
   */
  auth?: ClientAuth;
  /** Backoff between attempts (exponential, full jitter), or `false` to never reconnect. */
  reconnect?: Partial<ReconnectOptions> | false;
  /** The queue of messages made while disconnected. */
  queue?: Partial<QueueOptions>;
  /** Default timeout of request(); 10 s. `Infinity` waits as long as the connection lasts. */
  requestTimeoutMs?: number;
  /**
   * Runs after each reconnection, before queued messages are sent: rejoin rooms here. What it
   * returns is awaited; a rejection is reported as a connection 'error' event and the client goes on.
   *
   * @example
   * onReconnect: (session) => session.request('join', { room: 'lobby', name: 'ada' }),
   */
  onReconnect?: (session: ReconnectContext<Emits, Receives>) => unknown;
  /** A number in [0, 1) for the jitter; Math.random by default (tests pass their own). */
  random?: () => number;
  /**
   * Resume the server's session after a reconnection (when the server has `history`): rooms and
   * data come back and missed room messages are replayed, before onReconnect runs. Default true.
   */
  resume?: boolean;
  /**
   * When a WebSocket cannot open (a proxy refuses the upgrade, or there is no `WebSocket`), use the
   * gateway's HTTP fallback (`@Gateway({ fallback: { sse: true } })`, docs/fallback.md): server-sent
   * events down, POST up, with the same envelopes, requests and resume. While on it, WebSocket is
   * probed again with backoff and the client moves back up. `false` turns it off. Default on.
   */
  fallback?: Partial<FallbackClientOptions> | boolean;
}

/** What a client uses for the options it is not given. */
export const CLIENT_DEFAULTS = {
  reconnect: { initialDelayMs: 500, maxDelayMs: 10_000, maxAttempts: Infinity } satisfies ReconnectOptions,
  queue: { maxMessages: 100, overflow: 'drop-oldest' } satisfies QueueOptions,
  requestTimeoutMs: 10_000,
  fallback: { probeDelayMs: 10_000, maxProbeDelayMs: 300_000 } satisfies FallbackClientOptions,
};

export interface ResolvedClientOptions<Emits extends object, Receives extends object> {
  /** Undefined when the platform has none: the client then uses the fallback alone. */
  WebSocket: WebSocketConstructor | undefined;
  protocols: string | string[] | undefined;
  auth: ClientAuth | undefined;
  reconnect: ReconnectOptions | false;
  queue: QueueOptions;
  requestTimeoutMs: number;
  onReconnect: ClientOptions<Emits, Receives>['onReconnect'];
  random: () => number;
  resume: boolean;
  fallback: (FallbackClientOptions & { fetch: FetchLike }) | false;
}

/** Defaults applied in one place; a missing WebSocket is reported here, at construction. */
export function resolveClientOptions<Emits extends object, Receives extends object>(
  options: ClientOptions<Emits, Receives>,
): ResolvedClientOptions<Emits, Receives> {
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  const fallback = resolveFallback(options.fallback);
  if (!WebSocket && !fallback) {
    throw new TypeError('no WebSocket here: pass one, e.g. createClient(url, { WebSocket }) with `import { WebSocket } from "undici"` on Node 20');
  }
  const reconnect = options.reconnect === false ? false : { ...CLIENT_DEFAULTS.reconnect, ...options.reconnect };
  if (reconnect && !(reconnect.initialDelayMs >= 0 && reconnect.maxDelayMs >= 0 && reconnect.maxAttempts >= 0)) {
    throw new RangeError('reconnect delays and maxAttempts must be 0 or more');
  }
  const queue = { ...CLIENT_DEFAULTS.queue, ...options.queue };
  if (!(queue.maxMessages >= 0)) throw new RangeError('queue.maxMessages must be 0 or more');
  return {
    WebSocket,
    protocols: options.protocols,
    auth: options.auth,
    reconnect,
    queue,
    requestTimeoutMs: options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs,
    onReconnect: options.onReconnect,
    random: options.random ?? Math.random,
    resume: options.resume ?? true,
    fallback,
  };
}

function resolveFallback(option: ClientOptions['fallback']): ResolvedClientOptions<EventMap, EventMap>['fallback'] {
  if (option === false) return false;
  const platformFetch = (globalThis as { fetch?: FetchLike }).fetch;
  // Bound: a browser's fetch called as another object's method throws "Illegal invocation".
  const fetch = (typeof option === 'object' ? option.fetch : undefined) ?? platformFetch?.bind(globalThis);
  if (!fetch) return false; // nothing to fall back on
  return { ...CLIENT_DEFAULTS.fallback, ...(typeof option === 'object' ? option : {}), fetch };
}
