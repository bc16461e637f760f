/** What every peer server reads from its environment: the suite gives each one its own port. */
export function peerPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to the port to listen on');
  return port;
}

/** Peers listen on loopback only: the benchmark sends no traffic anywhere else. */
export const LOOPBACK = '127.0.0.1';

/** The line a peer prints once it accepts connections; the suite waits for it. */
export const READY_LINE = 'PEER_READY';

/** The driver kills peers by PID; a peer also leaves when its driver's pipe closes. */
export function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
