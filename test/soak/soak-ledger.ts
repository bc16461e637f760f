// What the soak sent and what came back, and every way the two disagree.
//
// Echo requests carry ids 1, 2, 3… per connection; their replies must come back once each, in
// that order. A broadcast is followed by an echo request; the broadcast counts as acknowledged
// when that echo's reply arrives (the server handles one connection's messages in order and
// delivers a broadcast to local members before the next message). An acknowledged broadcast
// must reach every member whose join was acknowledged before it was sent and who left after
// it was acknowledged — exactly once, in each sender's order.

export interface BroadcastRecord {
  sender: number;
  seq: number;
  sentAt: number;
  ackedAt: number | undefined;
}

export interface Membership {
  user: number;
  room: string;
  joinedAt: number;
  leftAt: number;
  /** `${sender}:${seq}` of every room message received. */
  received: Set<string>;
}

const MAX_EXAMPLES = 20;

export class SoakLedger {
  readonly counts = {
    connected: 0,
    closedCleanly: 0,
    echoesSent: 0,
    echoesAcked: 0,
    broadcastsSent: 0,
    broadcastsAcked: 0,
    roomMessagesReceived: 0,
    broadcastDeliveriesChecked: 0,
  };
  readonly violations: Record<string, number> = {};
  readonly examples: string[] = [];
  private readonly broadcastsByRoom = new Map<string, BroadcastRecord[]>();

  violation(kind: string, detail: string): void {
    this.violations[kind] = (this.violations[kind] ?? 0) + 1;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(`${kind}: ${detail}`);
  }

  get violationCount(): number {
    return Object.values(this.violations).reduce((sum, count) => sum + count, 0);
  }

  recordBroadcast(room: string, record: BroadcastRecord): void {
    const list = this.broadcastsByRoom.get(room);
    if (list) list.push(record);
    else this.broadcastsByRoom.set(room, [record]);
    this.counts.broadcastsSent++;
  }

  /** A member left: every acknowledged broadcast it was surely a member for must have reached it. */
  checkMembership(member: Membership): void {
    for (const broadcast of this.broadcastsByRoom.get(member.room) ?? []) {
      if (broadcast.ackedAt === undefined || broadcast.sentAt <= member.joinedAt || broadcast.ackedAt >= member.leftAt) continue;
      this.counts.broadcastDeliveriesChecked++;
      if (!member.received.has(`${broadcast.sender}:${broadcast.seq}`)) {
        this.violation('broadcast lost', `user ${member.user} in ${member.room} never got broadcast ${broadcast.seq} of user ${broadcast.sender}`);
      }
    }
  }
}
