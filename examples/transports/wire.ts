// What every transport carries, byte for byte the same JSON, and how time is stamped on it.

/** The room the WebSocket clients are in, and the name every push carries. */
export const ROOM = 'feed';

/**
 * One push: a chat-like event, shaped like the sample's `said` (DESIGN.md), plus a sequence
 * number (to find gaps) and the server's clock when it was published.
 */
export interface PushData {
  room: string;
  from: string;
  text: string;
  at: string;
  seq: number;
  /** process.hrtime.bigint() of the publishing process, in ns, as a decimal string. */
  sentAtNs: string;
}

export interface PushEnvelope {
  event: 'said';
  data: PushData;
}

export function pushData(seq: number): PushData {
  return { room: ROOM, from: 'server', text: `message ${seq} from the server`, at: new Date().toISOString(), seq, sentAtNs: nowNs().toString() };
}

/** The JSON text every transport sends: our gateway's JsonEventCodec writes exactly this for rooms.to(ROOM).send('said', data). */
export const encodePush = (data: PushData): string => JSON.stringify({ event: 'said', data } satisfies PushEnvelope);

/**
 * The clock both ends read. process.hrtime is CLOCK_MONOTONIC on Linux, one clock for every
 * process of the machine, so a stamp taken in a server can be subtracted from one taken in
 * the driver; run.ts checks that through each server's /clock before measuring.
 */
export const nowNs = (): bigint => process.hrtime.bigint();

/** Everything stays on the loopback interface. */
export const LOOPBACK = '127.0.0.1';

/** The line a server prints once it listens, followed by its port: `TRANSPORTS_READY 40123`. */
export const READY_PREFIX = 'TRANSPORTS_READY ';

/**
 * Headers a browser sends with every fetch (Chrome 131 on Linux, without cookies, sec-fetch-*
 * or client hints, which would only add to them). Polling pays them on every request; a
 * WebSocket or an EventSource pays them once.
 */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Accept-Language': 'en-US,en;q=0.9',
  'Accept-Encoding': 'gzip, deflate, br, zstd',
};

/** A server leaves when the driver's pipe closes, even if the driver itself was killed. */
export function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}

/** Reads the publishing rate from the environment the driver gives each server. */
export function publishIntervalMs(): number {
  const rate = Number(process.env.RATE_PER_SECOND);
  if (!(rate > 0)) throw new Error('RATE_PER_SECOND must be a positive number');
  return 1000 / rate;
}
