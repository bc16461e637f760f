// A small client for gateway e2e tests, on top of the independent `ws` client. Every inbound
// message is queued as it arrives, so nothing is lost between two awaits; waits are bounded so a
// missing message fails with a clear description instead of a Jest timeout.
import WebSocket, { ClientOptions } from 'ws';

/** Waits stay below Jest's 5 s default, so a hang fails here with what was expected. */
export const DEFAULT_WAIT_MS = 3000;

export interface TestEnvelope<T = unknown> {
  event: string;
  data?: T;
  id?: string | number;
}

export interface InboundMessage {
  data: string | Buffer;
  isBinary: boolean;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface TestClientOptions extends ClientOptions {
  protocols?: string | string[];
}

type EnvelopePredicate = (envelope: TestEnvelope) => boolean;

interface Waiter {
  accepts(message: InboundMessage): boolean;
  resolve(message: InboundMessage): void;
  reject(error: Error): void;
}

/** The refused handshake, as the `ws` client saw it ('unexpected-response'). */
export class HandshakeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`handshake refused with HTTP ${status}: ${body}`);
  }
}

const parseEnvelope = (message: InboundMessage): TestEnvelope | undefined => {
  if (message.isBinary) return undefined;
  try {
    const parsed: unknown = JSON.parse(message.data as string);
    return typeof parsed === 'object' && parsed !== null && typeof (parsed as TestEnvelope).event === 'string'
      ? (parsed as TestEnvelope)
      : undefined;
  } catch {
    return undefined;
  }
};

const describeMessage = (message: InboundMessage): string =>
  message.isBinary ? `<binary ${message.data.length} B>` : (message.data as string).slice(0, 200);

export class WsTestClient {
  private readonly queue: InboundMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private closeInfo: CloseInfo | undefined;
  private readonly closedPromise: Promise<CloseInfo>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const message: InboundMessage = { data: isBinary ? toBuffer(data) : toBuffer(data).toString('utf8'), isBinary };
      const index = this.waiters.findIndex((waiter) => waiter.accepts(message));
      if (index < 0) this.queue.push(message);
      else this.waiters.splice(index, 1)[0].resolve(message);
    });
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        for (const waiter of this.waiters.splice(0)) {
          waiter.reject(new Error(`the connection closed (${code} "${this.closeInfo.reason}") before the expected message`));
        }
        resolve(this.closeInfo);
      }),
    );
    socket.on('error', () => undefined); // 'close' follows and reports the code
  }

  /** Opens a connection; rejects with HandshakeRefusedError when the server answers with an HTTP status. */
  static connect(url: string, { protocols, ...options }: TestClientOptions = {}): Promise<WsTestClient> {
    const socket = new WebSocket(url, protocols, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`no handshake answer from ${url} within ${DEFAULT_WAIT_MS} ms`));
      }, DEFAULT_WAIT_MS);
      const client = new WsTestClient(socket);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          socket.terminate();
          reject(new HandshakeRefusedError(response.statusCode ?? 0, body));
        });
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** The HTTP status of a refused handshake; fails when the handshake succeeds. */
  static async refusal(url: string, options: TestClientOptions = {}): Promise<HandshakeRefusedError> {
    let client: WsTestClient;
    try {
      client = await WsTestClient.connect(url, options);
    } catch (error) {
      if (error instanceof HandshakeRefusedError) return error;
      throw error;
    }
    await client.close();
    throw new Error(`expected ${url} to refuse the handshake, but it was accepted`);
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  sendEvent(event: string, data?: unknown, id?: string | number): Promise<void> {
    return this.sendRaw(JSON.stringify(id === undefined ? { event, data } : { event, data, id }));
  }

  /** Sends a text (string) or binary (Buffer) message as is; resolves once written. */
  sendRaw(message: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(message, (error) => (error ? reject(error) : resolve())));
  }

  /** Sends a request and waits for the envelope carrying its id (a reply or an error). */
  async request<T = unknown>(event: string, data?: unknown, id: string | number = nextRequestId()): Promise<TestEnvelope<T>> {
    const reply = this.nextEnvelope((envelope) => envelope.id === id, `an envelope with id ${JSON.stringify(id)}`);
    await this.sendEvent(event, data, id);
    return (await reply) as TestEnvelope<T>;
  }

  /** The first queued (or next arriving) envelope that matches; other messages stay queued. */
  async nextEnvelope(predicate: EnvelopePredicate = () => true, description = 'an envelope', timeoutMs = DEFAULT_WAIT_MS): Promise<TestEnvelope> {
    const message = await this.next((candidate) => {
      const envelope = parseEnvelope(candidate);
      return envelope !== undefined && predicate(envelope);
    }, description, timeoutMs);
    return parseEnvelope(message) as TestEnvelope;
  }

  /** The first queued (or next arriving) message of any kind. */
  nextMessage(timeoutMs = DEFAULT_WAIT_MS): Promise<InboundMessage> {
    return this.next(() => true, 'a message', timeoutMs);
  }

  /** Resolves with the close code and reason once the connection has closed. */
  async closed(timeoutMs = DEFAULT_WAIT_MS): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    return withTimeout(this.closedPromise, timeoutMs, () => `the connection did not close within ${timeoutMs} ms`);
  }

  /** Closes (if still open) and waits for the close to finish. */
  async close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    try {
      return await this.closed();
    } catch (error) {
      this.socket.terminate();
      throw error;
    }
  }

  /** Drops the TCP connection without a closing handshake. */
  terminate(): void {
    this.socket.terminate();
  }

  private next(accepts: (message: InboundMessage) => boolean, description: string, timeoutMs: number): Promise<InboundMessage> {
    const index = this.queue.findIndex(accepts);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    if (this.closeInfo) {
      return Promise.reject(new Error(`expected ${description}, but the connection had closed (${this.closeInfo.code})`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        accepts,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        const queued = this.queue.map(describeMessage).join('\n  ') || '(none)';
        reject(new Error(`expected ${description} within ${timeoutMs} ms; messages queued:\n  ${queued}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

let lastRequestId = 0;
const nextRequestId = (): number => ++lastRequestId;

const toBuffer = (data: WebSocket.RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/** Bounds a wait, so a hang becomes a failure that says what did not happen. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(describe())), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls a condition that has no event of its own (e.g. server-side cleanup), within a bound. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, describe: () => string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${describe()} (after ${timeoutMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
