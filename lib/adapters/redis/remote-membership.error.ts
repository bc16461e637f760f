/**
 * `rooms.join/leave/leaveAll` of a connection held by another node did not take effect: Redis
 * could not say which node holds it, that node is not listening (dead and not yet reaped, or its
 * link to Redis is down), it did not acknowledge in time, or applying the change failed there.
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
