/**
 * The client's connection state.
 *
 * idle ─connect()→ connecting ─socket open→ open
 * connecting | open ─socket closed, attempts left→ reconnecting ─backoff timer→ new socket
 * reconnecting ─socket open → onReconnect hook → queue flushed→ open
 * connecting | open | reconnecting ─socket closed, no attempts left→ closed
 * any ─close()→ closing ─socket closed→ closed   (straight to closed when no socket is there)
 * closed ─connect()→ connecting (a new session: the next open is not a reconnect)
 */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

const TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'reconnecting', 'closing', 'closed'],
  open: ['reconnecting', 'closing', 'closed'],
  reconnecting: ['open', 'closing', 'closed'],
  closing: ['closed'],
  closed: ['connecting'],
};

export const canTransition = (from: ClientState, to: ClientState): boolean => TRANSITIONS[from].includes(to);
