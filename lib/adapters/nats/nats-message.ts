import { PresenceMember } from '../../rooms/presence-store.interface';

/** What a node says on the nodes subject (JSON). */
export interface NodeNotice {
  kind: 'hello' | 'beat' | 'bye';
  node: string;
}

/** A question every node answers from its own connections (JSON on the query subject). */
export type NodeQuery = { what: 'nodes' } | { what: 'rooms' } | { what: 'members' | 'presence'; room: string } | { what: 'roomsOf'; connectionId: string };

/** What a node answers to a query. */
export type QueryAnswer = { id: string; connections: number } | string[] | PresenceMember[];

/** The answer of the node holding the connection of a reach request; the others answer `held: false`. */
export interface ReachAnswer {
  held: boolean;
  /** Applying a membership change failed there. */
  failure?: string;
}

const KINDS: ReadonlySet<unknown> = new Set(['hello', 'beat', 'bye']);
const QUERIES: ReadonlySet<unknown> = new Set(['nodes', 'rooms', 'members', 'presence', 'roomsOf']);

/** Bytes from another node (maybe another version): checked before they are trusted, undefined when unreadable. */
export function parseNotice(bytes: Uint8Array): NodeNotice | undefined {
  const notice = parseJson(bytes) as Partial<NodeNotice> | undefined;
  return notice && KINDS.has(notice.kind) && typeof notice.node === 'string' ? (notice as NodeNotice) : undefined;
}

export function parseQuery(bytes: Uint8Array): NodeQuery | undefined {
  const query = parseJson(bytes) as { what?: unknown; room?: unknown; connectionId?: unknown } | undefined;
  if (!query || !QUERIES.has(query.what)) return undefined;
  if ((query.what === 'members' || query.what === 'presence') && typeof query.room !== 'string') return undefined;
  if (query.what === 'roomsOf' && typeof query.connectionId !== 'string') return undefined;
  return query as NodeQuery;
}

export function parseReachAnswer(bytes: Uint8Array): ReachAnswer | undefined {
  const answer = parseJson(bytes) as Partial<ReachAnswer> | undefined;
  return answer && typeof answer.held === 'boolean' && (answer.failure === undefined || typeof answer.failure === 'string') ? (answer as ReachAnswer) : undefined;
}

export const encodeJson = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

export function parseJson(bytes: Uint8Array): unknown {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
