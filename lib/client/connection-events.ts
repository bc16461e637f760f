import { ClientState } from './client-state';
import { RoomRecovery } from './envelope';
import { TransportKind } from './transport-switch';

/** What `onConnection(event, listener)` reports about the connection itself. */
export interface ConnectionEvents {
  /**
   * A socket opened; `isReconnect` after a drop (then onReconnect runs before the queue is sent);
   * `transport`: a WebSocket, or the HTTP fallback (`'sse'`).
   */
  open: { isReconnect: boolean; transport: TransportKind };
  /** An open socket closed: the peer's code and reason, and whether the client will try again. */
  close: { code: number; reason: string; wasClean: boolean; willReconnect: boolean };
  /** A new attempt is scheduled in `delayMs`; `attempt` counts from 1 since the last open. */
  reconnecting: { attempt: number; delayMs: number };
  /** Open again, rooms rejoined by onReconnect, queued messages sent; it took `attempts` attempts. */
  reconnected: { attempts: number };
  /** maxAttempts attempts failed in a row: the client is closed. */
  reconnectFailed: { attempts: number };
  state: { state: ClientState; previous: ClientState };
  /** A queued message was dropped by the overflow policy and will never be sent. */
  dropped: { event: string };
  /**
   * After a reconnection, before onReconnect: the session was resumed (`restored`: data and rooms
   * are back) and each room with history says whether every missed message was replayed.
   * `unrecovered` lists the rooms whose state the application must reload.
   */
  resumed: { session: string; restored: boolean; rooms: Record<string, RoomRecovery>; unrecovered: string[] };
  /** onReconnect threw, or the server sent something that is not an envelope. The client goes on. */
  error: { error: unknown };
}
