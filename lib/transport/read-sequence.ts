let readsStarted = 0;
let readInProgress = 0;

/**
 * Numbers the socket reads of every connection. The messages of one read are handled back to back,
 * so a message answered in the same read can start its timing where the one before it ended: one
 * clock read per message instead of two (GatewayDispatcher.run).
 */
export function startRead(): void {
  readInProgress = ++readsStarted;
}

export function endRead(): void {
  readInProgress = 0;
}

/** The read whose messages are being handled now; 0 outside of one (timers, promises, inflation). */
export function currentRead(): number {
  return readInProgress;
}
