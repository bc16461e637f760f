// A raw client of the HTTP fallback (docs/fallback.md) for tests: the event stream over node:http,
// whose reading the test controls, and POSTs whose answers the test reads.
import { once } from 'node:events';
import { ClientRequest, IncomingMessage, request } from 'node:http';
import { ServerSentEvent, SseParser } from '../../lib/client/sse-parser';
import { FALLBACK_SESSION_HEADER, SessionOpened, SSE_SESSION_EVENT } from '../../lib/wire/fallback';

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One HTTP request and its whole answer. */
export async function httpRequest(url: string, options: { method?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {}): Promise<HttpAnswer> {
  const sent = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false });
  sent.end(options.body);
  const [response] = (await once(sent, 'response')) as [IncomingMessage];
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) body += chunk as string;
  return { status: response.statusCode ?? 0, headers: response.headers, body };
}

/** A fallback session opened by GET; its events are read as they come. */
export class SseSessionClient {
  readonly events: ServerSentEvent[] = [];
  private readonly waiters: Array<() => void> = [];
  private hasEnded = false;

  private constructor(
    private readonly url: string,
    readonly response: IncomingMessage,
    private readonly sent: ClientRequest,
    readonly opened: SessionOpened,
  ) {}

  /** Opens the stream and waits for its first event (the session); rejects with the refusal's status. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseSessionClient> {
    const sent = request(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false });
    sent.end();
    const [response] = (await once(sent, 'response')) as [IncomingMessage];
    if (response.statusCode !== 200) {
      let body = '';
      for await (const chunk of response) body += String(chunk);
      throw Object.assign(new Error(`HTTP ${response.statusCode}: ${body}`), { status: response.statusCode, body });
    }
    const parser = new SseParser();
    const first = await new Promise<ServerSentEvent[]>((resolve) => {
      let events: ServerSentEvent[] = [];
      const onData = (chunk: Buffer): void => {
        events = events.concat(parser.push(chunk.toString()));
        if (events.length === 0) return;
        response.off('data', onData);
        response.pause();
        resolve(events);
      };
      response.on('data', onData);
    });
    const [session, ...rest] = first;
    if (session.event !== SSE_SESSION_EVENT) throw new Error(`the first event is ${session.event}`);
    const client = new SseSessionClient(url, response, sent, JSON.parse(session.data) as SessionOpened);
    client.events.push(...rest);
    response.on('data', (chunk: Buffer) => client.received(parser.push(chunk.toString())));
    response.on('close', () => client.markEnded());
    response.resume();
    return client;
  }

  get credentials(): string {
    return `${this.opened.session}:${this.opened.token}`;
  }

  /** Posts messages, one per line. */
  post(messages: readonly string[], headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const body = messages.join('\n');
    return httpRequest(this.url, { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: this.credentials, 'Content-Type': 'text/plain', ...headers }, body });
  }

  /** Resolves with the first event (from the start) that `matches`. */
  async next(matches: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent> {
    for (;;) {
      const found = this.events.find(matches);
      if (found) return found;
      if (this.hasEnded) throw new Error(`the stream ended; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The first message event whose envelope has `event` (and, when given, `id`). */
  async envelope(event: string, id?: number): Promise<{ event: string; data: unknown; id?: number }> {
    const found = await this.next((e) => e.event === 'message' && JSON.parse(e.data).event === event && (id === undefined || JSON.parse(e.data).id === id));
    return JSON.parse(found.data);
  }

  /** Resolves once the stream has ended. */
  async untilEnded(): Promise<void> {
    while (!this.hasEnded) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Drops the stream (as a reader that leaves). */
  drop(): void {
    this.sent.destroy();
  }

  private markEnded(): void {
    this.hasEnded = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  private received(events: ServerSentEvent[]): void {
    this.events.push(...events);
    for (const wake of this.waiters.splice(0)) wake();
  }
}
