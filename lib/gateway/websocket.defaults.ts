import { PerMessageDeflateOptions } from '../protocol/extensions/permessage-deflate';
import { isTimerDelay, MAX_TIMER_DELAY_MS } from '../transport/timer-delay';
import { ConnectionLimits, FallbackOptions, GatewayOptions, WebSocketModuleOptions } from './interfaces/websocket-options.interface';
import { authTimeoutOutOfRange, maxMessagesPerPostOutOfRange } from './messages';

/** DESIGN.md "Defaults": secure unless the user opts out. The one place they live. */
export const DEFAULTS = {
  maxMessageBytes: 1 << 20,
  maxBufferedBytes: 8 << 20,
  onBufferOverflow: 'close',
  closeTimeoutMs: 5_000,
  heartbeatIntervalMs: 30_000,
  maxMissedPongs: 2,
  handshakeTimeoutMs: 10_000,
  maxFragmentsPerMessage: 16_384,
  idleTimeoutMs: 0,
} as const satisfies Required<Omit<ConnectionLimits, 'allowedOrigins' | 'codec' | 'perMessageDeflate' | 'rateLimit'>> & Pick<WebSocketModuleOptions, 'handshakeTimeoutMs'>;

// `cors` is not here: @Gateway turns it into allowedOrigins (compat/cors-origins.ts).
export type ResolvedGatewayOptions = Required<Omit<GatewayOptions, 'port' | 'allowedOrigins' | 'codec' | 'perMessageDeflate' | 'rateLimit' | 'authMessage' | 'cors' | 'fallback'>> &
  Pick<GatewayOptions, 'port' | 'allowedOrigins' | 'rateLimit'> & {
    /** undefined: deflate declined. */
    perMessageDeflate: PerMessageDeflateOptions | undefined;
    /** How long a gateway with `authMessage` waits for `$auth`; undefined: guards run on the upgrade request. */
    authMessageTimeoutMs: number | undefined;
    fallback: Required<FallbackOptions>;
  };

/** Gateway options win over module options, which win over the defaults. */
export function resolveGatewayOptions(module: WebSocketModuleOptions, gateway: GatewayOptions): ResolvedGatewayOptions {
  const pick = <K extends keyof typeof DEFAULTS & keyof GatewayOptions>(key: K) => gateway[key] ?? module[key] ?? DEFAULTS[key];
  return {
    path: gateway.path,
    port: gateway.port,
    subprotocols: gateway.subprotocols ?? [],
    maxMessageBytes: pick('maxMessageBytes'),
    maxBufferedBytes: pick('maxBufferedBytes'),
    onBufferOverflow: pick('onBufferOverflow'),
    closeTimeoutMs: pick('closeTimeoutMs'),
    heartbeatIntervalMs: pick('heartbeatIntervalMs'),
    maxMissedPongs: pick('maxMissedPongs'),
    maxFragmentsPerMessage: pick('maxFragmentsPerMessage'),
    idleTimeoutMs: pick('idleTimeoutMs'),
    rateLimit: gateway.rateLimit ?? module.rateLimit,
    allowedOrigins: gateway.allowedOrigins ?? module.allowedOrigins,
    perMessageDeflate: deflateTerms(gateway.perMessageDeflate ?? module.perMessageDeflate),
    authMessageTimeoutMs: authMessageTimeoutMs(gateway.authMessage, gateway.path),
    fallback: { sse: gateway.fallback?.sse === true, maxMessagesPerPost: maxMessagesPerPost(gateway.fallback?.maxMessagesPerPost, gateway.path) },
  };
}

/** As long as the handshake may take by default: the client sends `$auth` as soon as the socket opens. */
const AUTH_MESSAGE_TIMEOUT_MS = DEFAULTS.handshakeTimeoutMs;

function authMessageTimeoutMs(option: GatewayOptions['authMessage'], path: string): number | undefined {
  const timeoutMs = option === true ? AUTH_MESSAGE_TIMEOUT_MS : option ? (option.timeoutMs ?? AUTH_MESSAGE_TIMEOUT_MS) : undefined;
  // Out of a timer's range it would fire after 1 ms: every connection closed before its $auth.
  if (timeoutMs !== undefined && !isTimerDelay(timeoutMs)) throw new RangeError(authTimeoutOutOfRange(path, timeoutMs, MAX_TIMER_DELAY_MS));
  return timeoutMs;
}

/** How many messages one fallback POST may carry by default: a client batches what it sent while its previous POST was in flight. */
const MAX_MESSAGES_PER_POST = 256;

function maxMessagesPerPost(option: number | undefined, path: string): number {
  if (option === undefined) return MAX_MESSAGES_PER_POST;
  if (!Number.isSafeInteger(option) || option < 1) throw new RangeError(maxMessagesPerPostOutOfRange(path, option));
  return option;
}

const deflateTerms = (option: boolean | PerMessageDeflateOptions | undefined): PerMessageDeflateOptions | undefined =>
  option === true ? {} : option === false || option === undefined ? undefined : option;
