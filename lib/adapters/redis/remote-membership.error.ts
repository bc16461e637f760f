/**
 * `rooms.join/leave/leaveAll` of a connection held by another node is not known to have taken
 * effect: Redis could not say which node holds it, that node is not listening (dead and not yet
 * reaped, or its link to Redis is down), applying the change failed there, or it did not acknowledge
 * in time (then the change may still be applied there: its acknowledgement was late or lost).
 */
export class RemoteMembershipError extends Error {
  constructor(
    readonly action: 'join' | 'leave' | 'leaveAll',
    readonly connectionId: string,
    /** Undefined when Redis could not be asked. */
    readonly node: string | undefined,
    reason: string,
  ) {
    super(`${action} of connection ${connectionId}: ${node === undefined ? '' : `node ${node} `}${reason}`);
    this.name = 'RemoteMembershipError';
  }
}
