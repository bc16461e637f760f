import { createHash } from 'node:crypto';
import { GroupKind } from '../../rooms/presence-store.interface';

// A server refuses a protocol line past max_control_line (4 KiB by default) and drops the
// connection: a long room name (a client may choose it) is hashed instead of escaped.
const MAX_TOKEN_LENGTH = 200;

/**
 * One subject token for a room, tag or gateway name: percent-escaped so that no '.', '*', '>' or
 * whitespace splits or widens it, and '~' followed by a SHA-256 when that is long. Receivers read
 * the names from the message, never from the subject, so a hash loses nothing.
 */
export function subjectToken(name: string): string {
  const escaped = encodeURIComponent(name).replace(/[.*~!'()]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return escaped.length <= MAX_TOKEN_LENGTH ? escaped : `~${createHash('sha256').update(name).digest('base64url')}`;
}

/** The subjects of one application (its prefix) on a NATS. */
export class NatsSubjects {
  /** Liveness: hello, beat and bye of every node. */
  readonly nodes: string;
  /** Direct sends and membership changes, answered by the node holding the connection. */
  readonly reach: string;
  /** Queries across nodes (members, presence, rooms, nodes), answered by every node. */
  readonly query: string;

  constructor(private readonly prefix: string) {
    this.nodes = `${prefix}.nodes`;
    this.reach = `${prefix}.reach`;
    this.query = `${prefix}.query`;
  }

  /** One subject per room, tag and gateway group: only the nodes holding a member subscribe it. */
  group(kind: GroupKind, name: string): string {
    return `${this.prefix}.${kind}.${subjectToken(name)}`;
  }
}
