import { LocalConnections } from '../session/local-connections';
import { MultiMap } from './multi-map';
import type { PresenceMeta } from './presence-store.interface';

/** What a connection had in a group when it left. */
export interface Departure {
  meta: PresenceMeta | undefined;
  /** The group has no local member left: this node can stop listening to it. */
  isLast: boolean;
}

/**
 * Groups of this node's own connections (the rooms, or the tags), with the presence metadata
 * each member joined with. It decides what this node delivers, so local traffic keeps flowing
 * while a broker is away.
 */
export class MemberGroups {
  private readonly membersOf = new MultiMap<string, string>();
  /** Each member's groups; undefined when the groups are few enough to scan (see the constructor). */
  private readonly groupsOf: MultiMap<string, string> | undefined;
  private readonly presenceOf = new Map<string, Map<string, PresenceMeta>>();

  /**
   * `isIndexedByMember` false: no per-member index, groupsOfConnection() scans the groups. For the
   * gateway groups (one per gateway, and ALL_GATEWAYS; every connection in two), where the index
   * was a Set per connection: 188 B of heap per open connection, for a lookup made once, at its close.
   */
  constructor({ isIndexedByMember = true }: { isIndexedByMember?: boolean } = {}) {
    this.groupsOf = isIndexedByMember ? new MultiMap<string, string>() : undefined;
  }

  /** True when the group had no local member before (this node must start listening to it). */
  add(group: string, id: string, meta?: PresenceMeta): boolean {
    const isFirst = this.membersOf.get(group).size === 0;
    this.membersOf.add(group, id);
    this.groupsOf?.add(id, group);
    const present = this.presenceOf.get(group);
    if (meta) this.presenceOf.set(group, (present ?? new Map<string, PresenceMeta>()).set(id, meta));
    else if (present?.delete(id) && present.size === 0) this.presenceOf.delete(group); // joined again without presence
    return isFirst;
  }

  /** Undefined when the connection was not in the group. */
  remove(group: string, id: string): Departure | undefined {
    if (!this.membersOf.get(group).has(id)) return undefined;
    this.membersOf.delete(group, id);
    this.groupsOf?.delete(id, group);
    const present = this.presenceOf.get(group);
    const meta = present?.get(id);
    present?.delete(id);
    if (present?.size === 0) this.presenceOf.delete(group);
    return { meta, isLast: this.membersOf.get(group).size === 0 };
  }

  groupsOfConnection(id: string): string[] {
    if (this.groupsOf) return [...this.groupsOf.get(id)];
    const groups: string[] = [];
    for (const [group, members] of this.membersOf.entries()) if (members.has(id)) groups.push(group);
    return groups;
  }

  members(group: string): ReadonlySet<string> {
    return this.membersOf.get(group);
  }

  presence(group: string): ReadonlyMap<string, PresenceMeta> {
    return this.presenceOf.get(group) ?? NO_PRESENCE;
  }

  meta(group: string, id: string): PresenceMeta | undefined {
    return this.presenceOf.get(group)?.get(id);
  }

  groups(): IterableIterator<string> {
    return this.membersOf.keys();
  }

  /** @internal What it holds, for leak checks. */
  footprint(): { groups: number; connectionsInGroups: number; presenceGroups: number } {
    const connectionsInGroups = this.groupsOf?.keyCount ?? new Set([...this.membersOf.entries()].flatMap(([, members]) => [...members])).size;
    return { groups: this.membersOf.keyCount, connectionsInGroups, presenceGroups: this.presenceOf.size };
  }

  /** Writes the frame once to each local member of the groups, skipping `except`. */
  deliver(groups: readonly string[], frame: Buffer, except: ReadonlySet<string>, local: LocalConnections): void {
    if (groups.length === 1) {
      // The common case: one group, members are distinct, no bookkeeping needed.
      for (const id of this.membersOf.get(groups[0])) {
        if (!except.has(id)) local.get(id)?.sendFrame(frame);
      }
      return;
    }
    const delivered = new Set<string>(except);
    for (const group of groups) {
      for (const id of this.membersOf.get(group)) {
        if (delivered.has(id)) continue;
        delivered.add(id);
        local.get(id)?.sendFrame(frame);
      }
    }
  }
}

const NO_PRESENCE: ReadonlyMap<string, PresenceMeta> = new Map<string, PresenceMeta>();
