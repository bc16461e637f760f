/**
 * What the client needs from the platform's WebSocket: the browser's global, Node 22's global,
 * or undici's (`import { WebSocket } from 'undici'` on Node 20). Structural, so no DOM or Node
 * types are needed to compile the client.
 */
export interface WebSocketLike {
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED (WHATWG WebSocket). */
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason: string; readonly wasClean: boolean }) => void): void;
}

/** `new WebSocket(url, protocols)`, as in the WHATWG API. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** WHATWG `WebSocket.OPEN`; a constructor passed in need not carry the static. */
export const SOCKET_OPEN = 1;
