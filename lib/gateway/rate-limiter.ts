import { TokenBucket } from '../transport/token-bucket';
import { RateLimitOptions } from './interfaces/websocket-options.interface';

/** One connection's message and byte budgets (RateLimitOptions); undefined when no limit is set. */
export class RateLimiter {
  private readonly messages: TokenBucket | undefined;
  private readonly bytes: TokenBucket | undefined;

  private constructor(options: RateLimitOptions) {
    const burstSeconds = options.burstSeconds ?? 1;
    const { messagesPerSecond, bytesPerSecond } = options;
    this.messages = messagesPerSecond ? new TokenBucket(messagesPerSecond, messagesPerSecond * burstSeconds) : undefined;
    this.bytes = bytesPerSecond ? new TokenBucket(bytesPerSecond, bytesPerSecond * burstSeconds) : undefined;
  }

  static for(options: RateLimitOptions | undefined): RateLimiter | undefined {
    return options && (options.messagesPerSecond || options.bytesPerSecond) ? new RateLimiter(options) : undefined;
  }

  /** Charges one message of this size; false when either budget is spent (nothing is charged then). */
  admit(message: string | Buffer): boolean {
    const now = Date.now();
    if (this.messages && !this.messages.take(1, now)) return false;
    if (!this.bytes) return true;
    const byteLength = typeof message === 'string' ? Buffer.byteLength(message) : message.length;
    return this.bytes.take(byteLength, now);
  }
}
