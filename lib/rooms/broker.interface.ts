import type { LocalRooms } from './local-rooms';
import type { GroupKind, PresenceChange, PresenceMeta } from './presence-store.interface';

/** One node of the cluster (a single node with the MemoryAdapter). */
export interface NodeInfo {
  id: string;
  /** Connections open on that node. */
  connections: number;
  /** The node answering the query. */
  isSelf: boolean;
}

/** How the adapter reaches the other nodes, e.g. for a stats endpoint. */
export interface AdapterStats {
  /** The other nodes are reachable now (always true for the MemoryAdapter). */
  isConnected: boolean;
  /** Broadcasts and direct sends that could not be handed to the other nodes. */
  undelivered: number;
  /** Times the link to the other nodes was lost. */
  outages: number;
  /** Times a subscription was found silently broken (a probe did not come back) and repaired (RedisAdapter). */
  silentGaps?: number;
}

/** `rooms.join/leave/leaveAll` of a connection that another node holds: that node applies it. */
export interface MembershipChange {
  action: 'join' | 'leave' | 'leaveAll';
  room?: string;
  meta?: PresenceMeta;
}

/** Messages a client posted to the HTTP fallback on a node that does not hold its session (docs/fallback.md), with the session's token. */
export interface PostedMessages {
  /** The gateway path they were posted to: a session takes only its own gateway's (whose limits read them). */
  path: string;
  token: string;
  messages: readonly string[];
  /** The client's DELETE (with no messages): the session closes cleanly with 1000. */
  closes?: boolean;
}

/** What `reach()` carries to the node holding a connection. */
export type NodeMessage = { kind: 'frame'; frame: Buffer } | { kind: 'membership'; change: MembershipChange } | { kind: 'posted'; posted: PostedMessages };

/** Who hears a presence change the store found out about: every node, or only the others (this node's members saw it happen). */
export type AnnouncementScope = 'everywhere' | 'others';

/** This node as a broker sees it: where what other nodes publish is delivered. */
export interface LocalNode {
  readonly local: LocalRooms;
  /** Applies a change another node asked for (`reach` with a membership); a connection this node does not hold changes nothing. */
  apply(connectionId: string, change: MembershipChange): Promise<void>;
  /** Hands posted messages to a fallback session of this node: true once delivered (a session not started yet makes it wait), false when none has that id and token (`reach` with posted messages). */
  deliverPosted?(connectionId: string, posted: PostedMessages): Promise<boolean>;
  /** Tells a room's members of a presence change the store found (a dead node's members left, a resync). */
  announce(change: PresenceChange, scope: AnnouncementScope): void;
}

/**
 * How frames and membership requests travel between nodes: publish/subscribe on room and tag
 * channels, and a channel per node. Each node delivers to its own members (`LocalRooms`), so a
 * broker carries bytes and never keeps membership; the MemoryAdapter's has no other node to reach.
 *
 * A broker whose backend is away keeps resolving `subscribe`/`unsubscribe` and counts what it could
 * not publish (`stats().undelivered`), then catches up when it is back, as the RedisAdapter does:
 * `LocalRooms` has changed before these are called, and a rejection only reaches the caller.
 */
export interface Broker {
  /** Called once at bootstrap, before any route is bound. */
  start(node: LocalNode): Promise<void>;
  /** Called once at shutdown, after every connection has closed. */
  close(): Promise<void>;
  /** This node has its first member in the group: from now on it receives what others publish there. */
  subscribe(kind: GroupKind, name: string): Promise<void>;
  /** This node's last member left the group. */
  unsubscribe(kind: GroupKind, name: string): Promise<void>;
  /** Hands the frame to the other nodes with members in the groups (this node delivered it already). */
  publish(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): void;
  /**
   * Takes a frame, a membership change, or posted messages to the node holding the connection. False
   * when no node holds it; a membership change resolves once that node applied it, and posted messages
   * once that node handed them to the session (false: it holds no such session); both reject when it cannot tell.
   */
  reach(connectionId: string, message: NodeMessage): Promise<boolean>;
  /** The live nodes and their connection counts. */
  nodes(): Promise<NodeInfo[]>;
  stats(): AdapterStats;
}
