import { RequestId } from '../wire/envelope';
import { WsConnection } from '../session/ws-connection';

/** Per-message facts a handler may ask for. */
export interface HandlerMeta {
  id: RequestId | undefined;
}

/**
 * What a handler is called with, in the order Nest's `switchToWs()` reads it:
 * getClient() is args[0], getData() args[1], getPattern() the last one.
 */
export type HandlerArgs = [connection: WsConnection, body: unknown, meta: HandlerMeta, event: string | undefined];
