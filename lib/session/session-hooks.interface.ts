import { Envelope } from '../wire/envelope';
import { WsConnection } from './ws-connection';

/** What a plug-in did with a connection's first envelope. */
export type FirstEnvelopeOutcome =
  /** Not the plug-in's: it goes to the gateway's handlers as usual. */
  | { kind: 'passed' }
  /** The plug-in's, but malformed: the gateway answers BAD_MESSAGE with the reason, and no handler gets it. */
  | { kind: 'malformed'; reason: string }
  /** The plug-in answers it; a rejection is logged and closes the connection with 1011. */
  | { kind: 'taken'; done: Promise<void> };

/**
 * A plug-in on the connections' sessions (history: docs/history.md) sees each connection open,
 * become ready and send its first envelope, its joins and leaves, the broadcasts to the rooms it
 * delivers itself, and its close. The module wires at most one (`SessionHooks` token, null without
 * one); without it none of this runs, and a broadcast costs one null check more.
 */
export interface SessionHooks {
  /** Whether connections to the gateway on this path get the hooks; asked once per gateway, at bootstrap. */
  coversPath(path: string): boolean;
  /** A connection opened, before handleConnection. */
  opened(client: WsConnection): void;
  /** handleConnection has finished: the connection is ready. A rejection closes it with 1011. */
  ready(client: WsConnection): Promise<void>;
  firstEnvelope(client: WsConnection, envelope: Envelope): FirstEnvelopeOutcome;
  /**
   * A connection of this node joins a room (every join goes through here, also a join of a connection
   * that has closed meanwhile). `join()` is the join: call it in this tick, so a join and a send
   * made together stay in order.
   */
  join(connectionId: string, room: string, join: () => Promise<void>): Promise<void>;
  /** After a leave, or after leaving every room when `room` is undefined. */
  left(connectionId: string, room?: string): Promise<void>;
  /** Whether broadcasts to this room go through deliver() instead of the plain fan-out. Asked on every broadcast: cheap. */
  deliversRoom(room: string): boolean;
  /** A broadcast to a room the plug-in delivers: `{event, data}` to its members, except those in `except`. */
  deliver(room: string, event: string, data: unknown, except: ReadonlySet<string>): Promise<unknown>;
  /** The connection closed and its disconnect hook has run; called before it leaves its rooms. */
  closed(connectionId: string): Promise<void>;
}
export const SessionHooks = Symbol('SessionHooks');
