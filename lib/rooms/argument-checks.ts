import type { WsConnection } from '../session/ws-connection';

/** A connection, or its id (which may name a connection of another node). */
export type ConnectionRef = WsConnection | string;

/**
 * Checks at the Rooms and ConnectionRegistry boundary. A bad name caught here is one clear
 * TypeError at the caller; let through, it becomes a member that later breaks broadcasts and the
 * disconnect cleanup of every room it sits in. Each check is a typeof test: broadcasts pay nothing.
 */

/** A room or tag name, an event, or a connection id: a non-empty string. */
export function requireName(api: string, argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${api}: ${argument} must be a non-empty string, got ${describe(value)}`);
}

/** One room name or a list of them (`rooms.to()`, `broadcast.to()`). */
export function requireNames(api: string, argument: string, value: unknown): asserts value is string | readonly string[] {
  if (!Array.isArray(value)) return requireName(api, argument, value);
  for (const item of value as unknown[]) requireName(api, `each of ${argument}`, item);
}

/** The connection's id: a WsConnection's, or the id given. */
export function idOf(api: string, connection: unknown): string {
  if (typeof connection === 'string' && connection.length > 0) return connection;
  if (isConnection(connection)) return connection.id;
  throw new TypeError(`${api}: connection must be a WsConnection or a connection id, got ${describe(connection)}`);
}

/** A WsConnection (the registry keeps objects, not ids). */
export function requireConnection(api: string, connection: unknown): asserts connection is WsConnection {
  if (!isConnection(connection)) throw new TypeError(`${api}: connection must be a WsConnection, got ${describe(connection)}`);
}

/** Presence metadata: a plain object (it is encoded for every member and stored with the member). */
export function requirePresenceMeta(api: string, meta: unknown): void {
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) {
    throw new TypeError(`${api}: options.presence must be an object, got ${describe(meta)}`);
  }
}

// Shape, not instanceof: a second copy of the package (e.g. through lib/testing) has its own class.
const isConnection = (value: unknown): value is WsConnection =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && (value as { id: string }).id.length > 0;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return `an instance of ${value.constructor?.name ?? 'Object'}`;
}
