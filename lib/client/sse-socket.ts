import { FALLBACK_SESSION_HEADER, SessionClosed, SessionOpened, SSE_BINARY_EVENT, SSE_CLOSE_EVENT, SSE_ESCAPED_TEXT_EVENT, SSE_MEDIA_TYPE, SSE_SESSION_EVENT } from '../wire/fallback';
import { ServerSentEvent, SseParser } from './sse-parser';
import { FetchLike } from './fetch-like';
import { WebSocketLike } from './web-socket-like';

type CloseListener = (event: { code: number; reason: string; wasClean: boolean }) => void;
type MessageListener = (event: { data: unknown }) => void;

/** What a refused POST means to the client, as the WebSocket close code the server would have sent. */
const CLOSE_CODE_FOR_STATUS: Readonly<Record<number, number>> = { 413: 1009, 429: 1008 };

/**
 * The HTTP fallback (docs/fallback.md) behind the WebSocket API the client is built on: a fetch
 * that streams the session's server-sent events, and POSTs that carry the client's messages, one
 * at a time and in order (messages sent meanwhile go together in the next one, a line each, at
 * most the server's maxMessagesPerPost in one).
 * Opens when the stream's first event names the session.
 */
export class SseSocket implements WebSocketLike {
  readyState = 0;
  private readonly aborter = new AbortController();
  private credentials: string | undefined;
  private outgoing: string[] = [];
  /** The server's cap (the session event): a longer batch goes in several POSTs, one after another. */
  private maxMessagesPerPost = Infinity;
  private isPosting = false;
  /** close() was called: the DELETE goes once the POSTs in flight and waiting have been answered. */
  private closing: { code: number; reason: string } | undefined;
  private readonly listeners = { open: [] as Array<() => void>, error: [] as Array<() => void>, message: [] as MessageListener[], close: [] as CloseListener[] };

  constructor(
    /** The gateway's http(s) URL. */
    private readonly url: string,
    private readonly fetch: FetchLike,
  ) {
    void this.stream();
  }

  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: MessageListener): void;
  addEventListener(type: 'close', listener: CloseListener): void;
  addEventListener(type: 'open' | 'error' | 'message' | 'close', listener: (() => void) | MessageListener | CloseListener): void {
    (this.listeners[type] as unknown[]).push(listener);
  }

  send(text: string): void {
    if (this.readyState !== 1) return;
    if (/[\r\n]/.test(text)) throw new TypeError('a message over the HTTP fallback may not hold a line break'); // our envelopes never do
    this.outgoing.push(text);
    if (!this.isPosting) void this.post();
  }

  /**
   * Posts what was sent before (as a WebSocket's close frame follows its frames), then tells the
   * server (DELETE: a clean close with 1000 there), then reports the close.
   */
  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    const wasOpen = this.readyState === 1;
    this.readyState = 2;
    this.closing = { code, reason };
    if (!wasOpen || !this.isPosting) void this.sendClose();
  }

  /** The DELETE, once the POSTs before it were answered. */
  private async sendClose(): Promise<void> {
    const { credentials, closing } = this;
    if (!closing || this.readyState === 3) return;
    const done = (): void => this.finish(closing.code, closing.reason, true);
    if (credentials === undefined) return done();
    await this.fetch(this.url, { method: 'DELETE', headers: { [FALLBACK_SESSION_HEADER]: credentials } }).then(done, done);
  }

  private async stream(): Promise<void> {
    let closed: SessionClosed | undefined;
    try {
      const response = await this.fetch(this.url, { headers: { Accept: SSE_MEDIA_TYPE }, cache: 'no-store', signal: this.aborter.signal });
      if (response.status !== 200 || !response.body) return this.fail(`HTTP ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          closed = this.handle(event) ?? closed;
        }
      }
    } catch {
      // The stream broke (reset, abort): reported below as 1006.
    }
    if (closed) this.finish(closed.code, closed.reason, true);
    else this.fail('the event stream ended');
  }

  /** One event of the stream; the server's close, when it is one. */
  private handle({ event, data }: ServerSentEvent): SessionClosed | undefined {
    switch (event) {
      case SSE_SESSION_EVENT: {
        const opened = JSON.parse(data) as SessionOpened;
        this.credentials = `${opened.session}:${opened.token}`;
        // A server from before the cap sends none: the whole batch goes in one POST.
        this.maxMessagesPerPost = opened.maxMessagesPerPost > 0 ? opened.maxMessagesPerPost : Infinity;
        this.readyState = 1;
        for (const listener of this.listeners.open) listener();
        return undefined;
      }
      case SSE_CLOSE_EVENT:
        return JSON.parse(data) as SessionClosed;
      case SSE_BINARY_EVENT:
        return this.deliver(Uint8Array.from(atob(data), (char) => char.charCodeAt(0)));
      case SSE_ESCAPED_TEXT_EVENT:
        return this.deliver(JSON.parse(data) as string);
      default:
        return this.deliver(data);
    }
  }

  private deliver(data: unknown): undefined {
    if (this.readyState !== 1) return undefined;
    for (const listener of this.listeners.message) listener({ data });
    return undefined;
  }

  /** One POST at a time, so messages arrive in order; what was sent meanwhile goes in the next. */
  private async post(): Promise<void> {
    this.isPosting = true;
    // While closing too: what was sent before close() goes before the DELETE.
    while (this.outgoing.length > 0 && (this.readyState === 1 || this.readyState === 2) && this.credentials !== undefined) {
      const batch = this.outgoing.splice(0, this.maxMessagesPerPost);
      let status: number;
      try {
        const response = await this.fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain; charset=utf-8', [FALLBACK_SESSION_HEADER]: this.credentials },
          body: batch.join('\n'),
        });
        status = response.status;
      } catch {
        status = 0;
      }
      // Not accepted: the messages may be lost, as on a WebSocket that dropped; the client reconnects and resumes.
      if (status !== 202) this.fail(status === 0 ? 'a POST failed' : `a POST got HTTP ${status}`, CLOSE_CODE_FOR_STATUS[status]);
    }
    this.isPosting = false;
    if (this.readyState === 2) await this.sendClose();
  }

  private fail(reason: string, code = 1006): void {
    if (this.readyState === 3) return;
    if (this.readyState === 0) for (const listener of this.listeners.error) listener();
    this.finish(code, reason, false);
  }

  private finish(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.outgoing = [];
    this.aborter.abort();
    for (const listener of this.listeners.close) listener({ code, reason, wasClean });
  }
}
