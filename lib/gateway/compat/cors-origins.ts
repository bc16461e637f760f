import { GatewayCors, GatewayOptions } from '../interfaces/websocket-options.interface';
import { AllowedOrigins } from '../origin-policy';

/**
 * socket.io's `cors: { origin }` as `allowedOrigins`: `true` or `'*'` allow any origin, `false` only
 * same-origin pages, a string, RegExp or list those origins. Given both, the gateway does not start.
 */
export function withCorsOrigins(options: GatewayOptions): GatewayOptions {
  const { cors, ...rest } = options;
  if (cors === undefined) return options;
  if (rest.allowedOrigins !== undefined) throw new TypeError(`@Gateway({ path: '${options.path}' }): give cors or allowedOrigins, not both`);
  return { ...rest, allowedOrigins: allowedOriginsOf(cors.origin, options.path) };
}

function allowedOriginsOf(origin: GatewayCors['origin'], path: string): AllowedOrigins {
  if (origin === true || origin === '*') return '*';
  if (origin === false) return [];
  if (typeof origin === 'string' || origin instanceof RegExp) return [origin];
  // socket.io also takes a function; a handshake guard does that job here (it sees the Origin header).
  if (!Array.isArray(origin)) throw new TypeError(`@Gateway({ path: '${path}' }): cors.origin is true, false, an origin, a RegExp or a list of them; decide in a handshake guard otherwise`);
  return origin;
}
