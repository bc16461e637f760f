import { PresenceMeta } from '../../rooms/presence-store.interface';

/** What nodes tell each other over pub/sub. Frames travel as bytes, encoded once by the sender. */
export type ClusterMessage =
  /** A frame for the local members of some groups, minus `except`; `id` is set when groups are several (dedup). */
  | { kind: 'broadcast'; origin: string; groups: string[]; except: string[]; id?: string; frame: Buffer }
  /** A frame for one connection of the receiving node. */
  | { kind: 'direct'; origin: string; connectionId: string; frame: Buffer }
  /** `rooms.join/leave/leaveAll` called on another node for a connection of the receiving node; it answers `requestId` with an ack. */
  | { kind: 'membership'; origin: string; connectionId: string; action: 'join' | 'leave' | 'leaveAll'; room?: string; meta?: PresenceMeta; requestId?: string }
  /** The receiving node's membership change `requestId` was applied (or failed: `failure`) by the node holding the connection. */
  | { kind: 'ack'; origin: string; requestId: string; failure?: string }
  /** A question to every live node (or one), answered on the asker's node channel. */
  | { kind: 'question'; origin: string; requestId: string; question: NodeQuestion; connectionId?: string }
  /** A node's answer to `requestId`: JSON in `body`. */
  | { kind: 'answer'; origin: string; requestId: string; body: Buffer }
  /** Messages posted to the HTTP fallback on the sender, for a session of the receiving node: `body` is PostedMessages as JSON; answered `true`/`false`. */
  | { kind: 'posted'; origin: string; requestId: string; connectionId: string; body: Buffer }
  /** A node's probe of its own subscriber connection (silent-loss detection): it comes back to its sender. */
  | { kind: 'probe'; origin: string; requestId: string };

/** What a node can be asked: its connection count, its rooms, the rooms of one of its connections. */
export type NodeQuestion = 'nodes' | 'rooms' | 'roomsOf';

interface Header {
  k: 'b' | 'd' | 'm' | 'a' | 'q' | 'n' | 'p' | 't';
  o: string;
  g?: string[];
  x?: string[];
  i?: string;
  c?: string;
  a?: 'join' | 'leave' | 'leaveAll';
  r?: string;
  m?: PresenceMeta;
  q?: string;
  f?: string;
  p?: NodeQuestion;
}

// version (1 byte), header length (u32), JSON header, then the frame as is: no copy on receipt.
const VERSION = 1;
const PREFIX_BYTES = 5;
const EMPTY = Buffer.alloc(0);

/** Thrown for a message this version cannot read (another version, or corrupt). */
export class ClusterMessageError extends Error {}

export function encodeClusterMessage(message: ClusterMessage): Buffer {
  const header = Buffer.from(JSON.stringify(headerOf(message)), 'utf8');
  const frame = message.kind === 'broadcast' || message.kind === 'direct' ? message.frame : message.kind === 'answer' || message.kind === 'posted' ? message.body : EMPTY;
  const bytes = Buffer.allocUnsafe(PREFIX_BYTES + header.length + frame.length);
  bytes[0] = VERSION;
  bytes.writeUInt32BE(header.length, 1);
  header.copy(bytes, PREFIX_BYTES);
  frame.copy(bytes, PREFIX_BYTES + header.length);
  return bytes;
}

export function decodeClusterMessage(bytes: Buffer): ClusterMessage {
  if (bytes.length < PREFIX_BYTES || bytes[0] !== VERSION) throw new ClusterMessageError(`unknown cluster message version ${bytes[0]}`);
  const headerEnd = PREFIX_BYTES + bytes.readUInt32BE(1);
  if (headerEnd > bytes.length) throw new ClusterMessageError('cluster message header overruns the message');
  const header = checkedHeader(JSON.parse(bytes.toString('utf8', PREFIX_BYTES, headerEnd)));
  const frame = bytes.subarray(headerEnd);
  switch (header.k) {
    case 'b':
      return { kind: 'broadcast', origin: header.o, groups: header.g ?? [], except: header.x ?? [], id: header.i, frame };
    case 'd':
      return { kind: 'direct', origin: header.o, connectionId: header.c ?? '', frame };
    case 'm':
      return { kind: 'membership', origin: header.o, connectionId: header.c ?? '', action: header.a ?? 'leave', room: header.r, meta: header.m, requestId: header.q };
    case 'a':
      return { kind: 'ack', origin: header.o, requestId: header.q ?? '', failure: header.f };
    case 'q':
      return { kind: 'question', origin: header.o, requestId: header.q ?? '', question: header.p ?? 'nodes', connectionId: header.c };
    case 'n':
      return { kind: 'answer', origin: header.o, requestId: header.q ?? '', body: frame };
    case 'p':
      return { kind: 'probe', origin: header.o, requestId: header.q ?? '' };
    case 't':
      return { kind: 'posted', origin: header.o, requestId: header.q ?? '', connectionId: header.c ?? '', body: frame };
    default:
      throw new ClusterMessageError(`unknown cluster message kind ${String(header.k)}`);
  }
}

/**
 * The header's fields have the types the receiver relies on: a node of another version (or a
 * corrupt message) is refused here, not allowed to throw later inside the subscriber's listener.
 */
function checkedHeader(parsed: unknown): Header {
  if (!isObject(parsed)) throw new ClusterMessageError('cluster message header is not an object');
  const header = parsed as Partial<Record<keyof Header, unknown>>;
  const isWellTyped =
    typeof header.o === 'string' &&
    isOptionalStrings(header.g) &&
    isOptionalStrings(header.x) &&
    isOptionalString(header.i) &&
    isOptionalString(header.c) &&
    (header.a === undefined || ACTIONS.has(header.a)) &&
    isOptionalString(header.r) &&
    (header.m === undefined || isObject(header.m)) &&
    isOptionalString(header.q) &&
    isOptionalString(header.f) &&
    (header.p === undefined || QUESTIONS.has(header.p));
  if (!isWellTyped) throw new ClusterMessageError('cluster message header has a field of the wrong type');
  return parsed as Header;
}

const ACTIONS: ReadonlySet<unknown> = new Set(['join', 'leave', 'leaveAll']);
const QUESTIONS: ReadonlySet<unknown> = new Set(['nodes', 'rooms', 'roomsOf']);
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

function isOptionalStrings(value: unknown): boolean {
  if (value === undefined) return true;
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

function headerOf(message: ClusterMessage): Header {
  switch (message.kind) {
    case 'broadcast':
      return { k: 'b', o: message.origin, g: message.groups, x: message.except.length > 0 ? message.except : undefined, i: message.id };
    case 'direct':
      return { k: 'd', o: message.origin, c: message.connectionId };
    case 'membership':
      return { k: 'm', o: message.origin, c: message.connectionId, a: message.action, r: message.room, m: message.meta, q: message.requestId };
    case 'ack':
      return { k: 'a', o: message.origin, q: message.requestId, f: message.failure };
    case 'question':
      return { k: 'q', o: message.origin, q: message.requestId, p: message.question, c: message.connectionId };
    case 'answer':
      return { k: 'n', o: message.origin, q: message.requestId };
    case 'probe':
      return { k: 'p', o: message.origin, q: message.requestId };
    case 'posted':
      return { k: 't', o: message.origin, q: message.requestId, c: message.connectionId };
  }
}
