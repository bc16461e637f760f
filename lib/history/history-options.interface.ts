/**
 * `WebSocketModule.forRoot({ history })`: rooms whose messages are kept for a while, with an
 * offset each, so a client that reconnects gets what it missed.
 *
 * @example
 * WebSocketModule.forRoot({ history: { rooms: ['chat:*'], maxMessages: 1000, maxAgeMs: 600_000 } })
 */
export interface HistoryOptions {
  /** Room names with history: exact (`lobby`), a glob where `*` matches any run of characters (`chat:*`), or a RegExp. */
  rooms: readonly (string | RegExp)[];
  /** Messages kept per room. Default 1000 (with Redis, trimmed approximately: up to ~100 more). */
  maxMessages?: number;
  /** Messages older than this are dropped from the history; 0 keeps them until maxMessages pushes them out. Default 600 000 (10 min). */
  maxAgeMs?: number;
  /**
   * A room's history is dropped this long after its last message (in memory; Redis keeps it, for now),
   * so rooms that clients name do not pile up; the room starts over in a new epoch, and a client
   * resuming from the old one is told `recovered: false`. 0 keeps it. Default 86 400 000 (1 day).
   */
  historyTtlMs?: number;
  /** How long a session outlives its connection, so the client can resume it. Default 120 000 (2 min). */
  sessionTtlMs?: number;
  /**
   * Paths of the gateways whose connections get a session (`$session`, `$resume`). Default: every
   * gateway. A raw gateway (an echo, a protocol of its own) must not get envelopes it did not ask for.
   */
  sessionPaths?: readonly string[];
}

export interface ResolvedHistoryOptions {
  isRetained: (room: string) => boolean;
  /** Whether connections to the gateway on this path get sessions. */
  hasSessions: (path: string) => boolean;
  maxMessages: number;
  maxAgeMs: number;
  historyTtlMs: number;
  sessionTtlMs: number;
}

export const HISTORY_DEFAULTS = { maxMessages: 1000, maxAgeMs: 600_000, historyTtlMs: 86_400_000, sessionTtlMs: 120_000 } as const;

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** `chat:*` → /^chat:.*$/; a RegExp is copied, so its lastIndex is ours to reset. */
export function roomPattern(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return new RegExp(pattern);
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
}

export function resolveHistoryOptions(options: HistoryOptions): ResolvedHistoryOptions {
  const patterns = options.rooms.map(roomPattern);
  const resolved = { ...HISTORY_DEFAULTS, ...options };
  if (!(resolved.maxMessages >= 1)) throw new RangeError('history.maxMessages must be 1 or more');
  if (!(resolved.maxAgeMs >= 0) || !(resolved.historyTtlMs >= 0) || !(resolved.sessionTtlMs >= 1000)) {
    throw new RangeError('history.maxAgeMs and historyTtlMs must be 0 or more, sessionTtlMs 1000 or more');
  }
  const { sessionPaths } = options;
  return {
    // Asked on every broadcast: a loop, no closure per call.
    isRetained: (room) => {
      for (const pattern of patterns) {
        // With g or y, test() starts at lastIndex and moves it: from 0 each time, a room gets the same answer every time.
        pattern.lastIndex = 0;
        if (pattern.test(room)) return true;
      }
      return false;
    },
    hasSessions: (path) => sessionPaths === undefined || sessionPaths.includes(path),
    maxMessages: resolved.maxMessages,
    maxAgeMs: resolved.maxAgeMs,
    historyTtlMs: resolved.historyTtlMs,
    sessionTtlMs: resolved.sessionTtlMs,
  };
}
