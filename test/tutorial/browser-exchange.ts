// Step 3 of the tutorial, as a reader does it in a browser console: the README's snippet runs as
// written, in a context whose WebSocket is a standard one (undici's) and whose console.log records,
// then its `// later:` line runs once the join has been answered.
import { isDeepStrictEqual } from 'node:util';
import { createContext, runInContext } from 'node:vm';
import { WebSocket } from 'undici';
import { ReadmeTutorial } from './readme-tutorial';

/** A hang guard, not a performance bound: a healthy app answers in milliseconds. */
const REPLY_WAIT_MS = 20_000;

interface Expected {
  what: string;
  envelope: unknown;
}

/** What the README promises the reader sees, in order. */
const JOIN_REPLY: Expected = { what: 'the join reply', envelope: { event: 'join', data: { room: 'lobby' }, id: 1 } };
const SAID: Expected = { what: 'the said broadcast', envelope: { event: 'said', data: { room: 'lobby', from: 'ada', text: 'hi' } } };
/** "A `say` without a room gets {"event":"error","data":{"event":"say","code":"VALIDATION_FAILED",…}}". */
const SAY_WITHOUT_ROOM = `ws.send(JSON.stringify({ event: 'say', data: { text: 'hi' }, id: 2 }))`;

/** What the snippet's console.log printed, in order, and how its socket ended if it did. */
class ConsoleLog {
  private readonly logged: unknown[] = [];
  private ended?: string;
  private wake?: () => void;

  readonly log = (value: unknown): void => {
    this.logged.push(value);
    this.wake?.();
  };

  /** The socket closed or failed: waiting for more would only run into the timeout. */
  end(how: string): void {
    this.ended ??= how;
    this.wake?.();
  }

  /** Resolves with the next value logged; rejects when the socket ends first or nothing comes within REPLY_WAIT_MS. */
  async next(what: string): Promise<unknown> {
    if (this.logged.length === 0 && this.ended === undefined) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the console logged nothing while waiting for ${what}`)), REPLY_WAIT_MS);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
    if (this.logged.length === 0) throw new Error(`the socket ${this.ended} while waiting for ${what}`);
    return this.logged.shift();
  }
}

async function expectLogged(consoleLog: ConsoleLog, { what, envelope }: Expected): Promise<void> {
  const logged = await consoleLog.next(what);
  if (!isDeepStrictEqual(logged, envelope)) throw new Error(`expected ${what} ${JSON.stringify(envelope)}, the console logged ${JSON.stringify(logged)}`);
}

/**
 * A browser tab's WebSocket on the page README.md opens, the app's own http://localhost:PORT: it sends
 * that page's Origin, as a browser does, so the gateways' same-origin default is part of the run.
 */
const webSocketOfPage = (pageOrigin: string) =>
  class PageWebSocket extends WebSocket {
    constructor(url: string | URL) {
      super(url, { headers: { origin: pageOrigin } });
    }
  };

/** Runs the README's console session against the app on `port` and closes the socket. */
export async function runBrowserExchange(tutorial: ReadmeTutorial, port: number): Promise<void> {
  const consoleLog = new ConsoleLog();
  const context = createContext({ WebSocket: webSocketOfPage(`http://localhost:${port}`), console: consoleLog, JSON });
  runInContext(tutorial.browserSnippet.replace(tutorial.snippetOrigin, `ws://localhost:${port}`), context);
  const ws = runInContext('ws', context) as WebSocket;
  ws.addEventListener('error', () => consoleLog.end('failed'));
  ws.addEventListener('close', ({ code, reason }) => consoleLog.end(`closed with ${code} ${reason}`));
  try {
    await expectLogged(consoleLog, JOIN_REPLY);
    runInContext(tutorial.laterStatement, context);
    await expectLogged(consoleLog, SAID);
    runInContext(SAY_WITHOUT_ROOM, context);
    const refusal = (await consoleLog.next('the VALIDATION_FAILED error')) as { event?: string; data?: { event?: string; code?: string }; id?: number };
    if (refusal.event !== 'error' || refusal.data?.event !== 'say' || refusal.data.code !== 'VALIDATION_FAILED' || refusal.id !== 2) {
      throw new Error(`expected a VALIDATION_FAILED error for say, the console logged ${JSON.stringify(refusal)}`);
    }
    if (ws.readyState !== WebSocket.OPEN) throw new Error('the connection did not stay open after VALIDATION_FAILED');
  } finally {
    if (ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise((resolve) => ws.addEventListener('close', resolve));
      ws.close();
      await closed;
    }
  }
}
