/**
 * `rooms.join/leave/leaveAll` of a connection held by another node is not known to have taken
 * effect: the adapter (Redis, or the IPC hub of a cluster) could not say which node holds it, that
 * node is not listening (dead, or its link to the broker is down), applying the change failed there,
 * or it did not acknowledge in time (then the change may still be applied there: its
 * acknowledgement was late or lost). Every adapter that relays membership changes rejects with it.
 */
export class RemoteMembershipError extends Error {
  constructor(
    readonly action: 'join' | 'leave' | 'leaveAll',
    readonly connectionId: string,
    /** Undefined when the broker could not be asked. */
    readonly node: string | undefined,
    reason: string,
  ) {
    super(`${action} of connection ${connectionId}: ${node === undefined ? '' : `node ${node} `}${reason}`);
    this.name = 'RemoteMembershipError';
  }
}
