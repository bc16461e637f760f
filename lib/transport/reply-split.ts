/** A read's replies leave in at most this many writes when its socket is the only one the loop reads. */
const MAX_WRITES_PER_READ = 4;

/** Socket reads in this turn of the event loop, and in the last turn that read any; counted up to its check phase (setImmediate). */
let readsThisLoopTurn = 0;
let readsLastLoopTurn = 0;
const endLoopTurn = (): void => {
  readsLastLoopTurn = readsThisLoopTurn;
  readsThisLoopTurn = 0;
};

/**
 * How many of a read's `messageCount` replies leave per write. When the loop reads this one socket
 * (this turn and the last), its peer is waiting for us: a closed-loop client that sent several
 * messages in one write gets their replies in up to 4 writes, the first after a quarter of them,
 * and works on those while we make the rest. One write per read instead keeps a single packet in
 * flight that both ends wait for in turn, each sleeping once per read: raw echo 32 B × 1 connection
 * × 8 ran at 0.64× ws, which writes every reply (issue 17). When the loop reads many sockets per
 * turn, every peer already has replies coming: a read's replies leave in one write.
 */
export function repliesPerWrite(messageCount: number): number {
  if (readsThisLoopTurn++ === 0) setImmediate(endLoopTurn);
  if (messageCount <= 1 || readsThisLoopTurn > 1 || readsLastLoopTurn > 1) return messageCount;
  return Math.ceil(messageCount / MAX_WRITES_PER_READ);
}
