import { Logger } from '@nestjs/common';
import { runEach } from '../../rooms/run-each';
import { ClusterState, PresenceEntry } from './cluster-state';

// A dead node's connections are purged this many per script call, so a reap never blocks Redis for long.
const REAP_BATCH = 500;
// Per reap tick; what is left waits for the next tick (a quarter period later).
const MAX_REAP_ROUNDS = 20;
const DEAD_NODES_PER_TICK = 16;

/** What the reaper tells the adapter. */
export interface ReaperHost {
  /** A member of a dead node left its room: every node's members of the room hear it. */
  announceLeave(entry: PresenceEntry): void;
  onFailure(operation: string, error: unknown): void;
}

/**
 * Purges the nodes past their deadline from Redis, a bounded batch at a time, and announces the
 * presence leaves of their members. Any live node may do it: the purge script checks the deadline
 * again, so a node that came back in time is left alone.
 */
export class DeadNodeReaper {
  constructor(
    private readonly state: ClusterState,
    private readonly logger: Logger,
    private readonly host: ReaperHost,
  ) {}

  async reap(): Promise<void> {
    const dead = await this.state.deadNodes(DEAD_NODES_PER_TICK).catch((error: unknown) => {
      this.host.onFailure('reap', error);
      return [];
    });
    for (const node of dead) await this.purge(node);
  }

  private async purge(node: string): Promise<void> {
    let departed = 0;
    for (let round = 0; round < MAX_REAP_ROUNDS; round++) {
      const result = await this.state.purgeDeadNode(node, REAP_BATCH);
      if (result.isAlive) return;
      runEach(result.departed, (entry) => this.host.announceLeave(entry), `presence leaves of node ${node}`);
      departed += result.departed.length;
      if (result.remaining === 0) {
        this.logger.warn(`node ${node} missed its heartbeats: its connections left the cluster (${departed} presence leaves announced)`);
        return;
      }
    }
  }
}
