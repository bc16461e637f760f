import { RemoteMembershipError } from '../../rooms/remote-membership.error';

interface PendingAck {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  error: (reason: string) => RemoteMembershipError;
}

/**
 * Membership changes sent to another node and not yet acknowledged by it, by request id. Each
 * waits at most `timeoutMs`; at shutdown the ones left are rejected, so no caller waits forever.
 */
export class MembershipAcks {
  private readonly pending = new Map<string, PendingAck>();

  constructor(private readonly timeoutMs: number) {}

  /** Changes waiting for their acknowledgement (each holds one timer). */
  get size(): number {
    return this.pending.size;
  }

  /** Registered before the change is published: the acknowledgement may arrive before PUBLISH returns. */
  expect(requestId: string, error: (reason: string) => RemoteMembershipError): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(requestId, `did not acknowledge it within ${this.timeoutMs} ms`), this.timeoutMs);
      timer.unref();
      this.pending.set(requestId, { resolve, reject, timer, error });
    });
  }

  /** The owning node applied the change, or failed to (`failure` says why). */
  settle(requestId: string, failure: string | undefined): void {
    if (failure !== undefined) return this.fail(requestId, `failed to apply it: ${failure}`);
    const ack = this.take(requestId);
    ack?.resolve();
  }

  fail(requestId: string, reason: string): void {
    const ack = this.take(requestId);
    ack?.reject(ack.error(reason));
  }

  failAll(reason: string): void {
    for (const requestId of [...this.pending.keys()]) this.fail(requestId, reason);
  }

  private take(requestId: string): PendingAck | undefined {
    const ack = this.pending.get(requestId);
    if (!ack) return undefined;
    clearTimeout(ack.timer);
    this.pending.delete(requestId);
    return ack;
  }
}
