import type { RedisCommandClient } from './redis-clients';
import type { RedisNames } from './redis-channels';

/**
 * What a room history kept in this adapter's Redis (lib/history/redis/redis-history.ts) uses of the
 * adapter: its command connection, key and channel names, and the retained messages the
 * history's script publishes on those channels. The adapter knows nothing else of history.
 */
export interface RedisHistoryLink {
  /** The command connection, once attached and ready; undefined while Redis is away. */
  client(): RedisCommandClient | undefined;
  /** Names of the keys and channels (a room's history keys share its channel's slot). */
  readonly names: RedisNames;
  readonly sharded: boolean;
  /** Where the retained messages arriving on the room channels go, in the order Redis published them. */
  onRetained(receive: (bytes: Buffer) => void): void;
  /**
   * A subscriber connection went silent (its probe did not come back): retained messages published
   * since the last probe may be lost. `resubscribed` resolves true once the channels are back (false
   * after a wait or at shutdown): the history then fills the gap from the streams.
   */
  onGap(listener: (resubscribed: Promise<boolean>) => void): void;
  /**
   * This node stopped listening to a room's channel (its last member here left): what it delivered
   * there is no start for a later gap fill, whose members joined after what it missed meanwhile.
   */
  onUnsubscribed(listener: (room: string) => void): void;
}

// A retained message on a room's channel starts with one of these marks, so the adapter tells it
// from its own messages (which start with version byte 1): text or binary codec bytes after the header.
export const RETAINED_TEXT_MARK = 0x02;
export const RETAINED_BINARY_MARK = 0x03;

/** A retained message (from the history's script), not one of the adapter's own. */
export const isRetainedMessage = (bytes: Buffer): boolean => bytes[0] === RETAINED_TEXT_MARK || bytes[0] === RETAINED_BINARY_MARK;
