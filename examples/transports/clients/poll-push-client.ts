import { Agent, ClientRequest, request } from 'node:http';
import { Socket } from 'node:net';
import { BROWSER_HEADERS, LOOPBACK, nowNs } from '../wire';
import { ByteMeter, deliveryOf, OnDelivery, PushClient } from './push-client';

export interface PollOptions {
  /** Long polling: ask again as soon as an answer arrives. Short polling: ask every `intervalMs`. */
  isLong: boolean;
  intervalMs: number;
}

interface PollAnswer {
  next: number;
  messages: unknown[];
}

/**
 * fetch('/poll?after=<cursor>') in a loop over one keep-alive connection, as a browser tab does.
 * Every request carries its request line and headers, every answer its status line and headers.
 */
export class PollPushClient implements PushClient {
  requests = 0;
  emptyAnswers = 0;
  readonly setupBytes = undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private inFlight: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isStopped = false;

  constructor(
    private readonly port: number,
    private readonly meter: ByteMeter,
    private readonly onDelivery: OnDelivery,
    private readonly options: PollOptions,
  ) {}

  async start(): Promise<void> {
    const first = await this.poll(undefined);
    // Short pollers start at random phases, as tabs opened at different times do.
    const delayMs = this.options.isLong ? 0 : Math.random() * this.options.intervalMs;
    this.timer = setTimeout(() => void this.loop(first.next), delayMs);
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
    this.inFlight?.destroy();
    this.agent.destroy();
  }

  private async loop(cursor: number): Promise<void> {
    while (!this.isStopped) {
      const startedAt = Date.now();
      try {
        cursor = (await this.poll(cursor)).next;
      } catch (error) {
        if (this.isStopped) return;
        throw error;
      }
      if (this.options.isLong) continue;
      const waitMs = Math.max(0, startedAt + this.options.intervalMs - Date.now());
      await new Promise<void>((resolve) => (this.timer = setTimeout(resolve, waitMs)));
    }
  }

  private poll(cursor: number | undefined): Promise<PollAnswer> {
    const path = cursor === undefined ? '/poll' : `/poll?after=${cursor}`;
    return new Promise((resolve, reject) => {
      const headers = { ...BROWSER_HEADERS, Accept: 'application/json' };
      const req = request({ host: LOOPBACK, port: this.port, path, headers, agent: this.agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          const receivedAtNs = nowNs();
          if (response.statusCode !== 200) return reject(new Error(`GET ${path} answered ${response.statusCode}`));
          const answer = JSON.parse(body) as PollAnswer;
          if (answer.messages.length === 0) this.emptyAnswers++;
          for (const message of answer.messages) this.onDelivery(deliveryOf(JSON.stringify(message), receivedAtNs));
          resolve(answer);
        });
      });
      req.on('socket', (socket: Socket) => {
        socket.setNoDelay(true);
        this.meter.track(socket);
      });
      req.on('error', reject);
      this.inFlight = req;
      this.requests++;
      req.end();
    });
  }
}
