import type { MembershipChange, NodeInfo, NodeMessage, PostedMessages } from '../../rooms/broker.interface';
import type { GroupKind, PresenceChange, PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import type { HistoryAnswer, HistoryRequest, RetainedMessage } from './ipc-history-link';

/** Marks our messages on a channel the application may use too (`process.send` in a worker). */
export const IPC_VIA = 'nest-rfc6455:ipc';

/** What a worker asks the primary, and gets in an `answer`. */
export type IpcQuery =
  | { what: 'members' | 'presence'; room: string }
  | { what: 'roomsOf'; connectionId: string }
  | { what: 'rooms' | 'nodes' };

/** What the primary answers: string[] for members, rooms, roomsOf; PresenceMember[]; NodeInfo[] without isSelf; boolean for reach; a history call's answer. */
export type IpcAnswer = string[] | PresenceMember[] | Omit<NodeInfo, 'isSelf'>[] | boolean | HistoryAnswer;

/** Worker → primary. `node` is the sending node (several may share one channel, as in tests). */
export type WorkerMessage = { via: typeof IPC_VIA; node: string } & (
  | { kind: 'hello' | 'bye' }
  | { kind: 'subscribe' | 'unsubscribe'; group: GroupKind; name: string }
  | { kind: 'publish'; group: GroupKind; names: readonly string[]; frame: Buffer; except: string[] }
  | { kind: 'addConnection' | 'removeConnection'; connectionId: string }
  | { kind: 'join'; room: string; connectionId: string; meta: PresenceMeta | undefined }
  | { kind: 'leave'; room: string; connectionId: string }
  | { kind: 'query'; requestId: number; query: IpcQuery }
  | { kind: 'reach'; requestId: number; connectionId: string; message: NodeMessage }
  | { kind: 'history'; requestId: number; request: HistoryRequest }
  /** The answer to a `membership` the primary relayed: `failure` says why it could not be applied. */
  | { kind: 'applied'; origin: string; requestId: number; failure: string | undefined }
  /** The answer to `posted` the primary relayed: whether a fallback session of this node took them. */
  | { kind: 'tookPosted'; origin: string; requestId: number; accepted: boolean }
);

/** Primary → worker; `to` names the node it is for. */
export type HubMessage = { via: typeof IPC_VIA; to: string } & (
  | { kind: 'deliver'; group: GroupKind; names: readonly string[]; frame: Buffer; except: string[] }
  | { kind: 'direct'; connectionId: string; frame: Buffer }
  | { kind: 'membership'; origin: string; requestId: number; connectionId: string; change: MembershipChange }
  /** Messages (or the DELETE) posted to the HTTP fallback on another node, for a session of this one. */
  | { kind: 'posted'; origin: string; requestId: number; connectionId: string; posted: PostedMessages }
  | { kind: 'answer'; requestId: number; value: IpcAnswer | undefined; failure: string | undefined }
  /** A member of a node that died left: the receiving node tells its members and the others. */
  | { kind: 'announce'; change: PresenceChange }
  | ({ kind: 'retained' } & RetainedMessage)
);

/** A message without its envelope, distributed over the kinds so each object literal is checked against its own. */
export type WorkerPayload = WorkerMessage extends infer M ? (M extends WorkerMessage ? Omit<M, 'via' | 'node'> : never) : never;
export type HubPayload = HubMessage extends infer M ? (M extends HubMessage ? Omit<M, 'via' | 'to'> : never) : never;

export const isWorkerMessage = (message: unknown): message is WorkerMessage => (message as Partial<WorkerMessage> | null)?.via === IPC_VIA;
export const isHubMessage = (message: unknown): message is HubMessage => (message as Partial<HubMessage> | null)?.via === IPC_VIA;

/** `serialization: 'advanced'` keeps a Buffer a Buffer; JSON turns it into `{ type: 'Buffer', data }`, which Buffer.from reads back (slowly). */
export const frameOf = (frame: Buffer): Buffer => (Buffer.isBuffer(frame) ? frame : Buffer.from(frame));

/** A message's envelope and small fields, as counted against maxPendingBytes besides its frames and payloads. */
const ENVELOPE_BYTES = 64;

const lengthOf = (value: unknown): number => (typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 0);

/** What a message holds that may be large (a frame, a retained payload, a history read): its weight against maxPendingBytes. */
export function bytesOf(payload: WorkerPayload | HubPayload): number {
  switch (payload.kind) {
    case 'publish':
    case 'deliver':
    case 'direct':
      return ENVELOPE_BYTES + payload.frame.length;
    case 'retained':
      return ENVELOPE_BYTES + lengthOf(payload.payload);
    case 'posted':
      return payload.posted.messages.reduce((total, message) => total + ENVELOPE_BYTES + message.length, ENVELOPE_BYTES);
    case 'history':
      return ENVELOPE_BYTES + (payload.request.op === 'append' ? lengthOf(payload.request.payload) : 0);
    case 'answer': {
      const entries = (payload.value as { entries?: unknown } | undefined)?.entries;
      if (!Array.isArray(entries)) return ENVELOPE_BYTES;
      return entries.reduce((total: number, entry: { payload?: unknown }) => total + ENVELOPE_BYTES + lengthOf(entry.payload), ENVELOPE_BYTES);
    }
    default:
      return ENVELOPE_BYTES;
  }
}
