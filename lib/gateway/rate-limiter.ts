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
    const now = performance.now();
    // Both checks before either charge: a message one bucket refuses costs the other nothing.
    if (this.messages && !this.messages.has(1, now)) return false;
    const byteLength = this.bytes === undefined ? 0 : typeof message === 'string' ? Buffer.byteLength(message) : message.length;
    if (this.bytes && !this.bytes.has(byteLength, now)) return false;
    this.messages?.take(1);
    this.bytes?.take(byteLength);
    return true;
  }
}
