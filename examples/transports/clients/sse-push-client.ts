import { Agent, ClientRequest, request } from 'node:http';
import { Socket } from 'node:net';
import { BROWSER_HEADERS, LOOPBACK, nowNs } from '../wire';
import { ByteMeter, deliveryOf, OnDelivery, PushClient } from './push-client';

/** An EventSource: one GET /events (or the fallback's GET /feed), then `id:`/`data:` events on the open response; named events (the fallback's `session`) are not pushes. */
export class SsePushClient implements PushClient {
  requests = 0;
  readonly emptyAnswers = 0;
  setupBytes: number | undefined;
  private request: ClientRequest | undefined;
  private readonly agent = new Agent({ keepAlive: false });
  private text = '';

  constructor(
    private readonly port: number,
    private readonly meter: ByteMeter,
    private readonly onDelivery: OnDelivery,
    private readonly path = '/events',
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...BROWSER_HEADERS, Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
      this.request = request({ host: LOOPBACK, port: this.port, path: this.path, headers, agent: this.agent }, (response) => {
        if (response.statusCode !== 200) return reject(new Error(`GET ${this.path} answered ${response.statusCode}`));
        const socket = response.socket as Socket;
        // The server flushes the head alone, before any event: what the socket read so far is that head.
        this.setupBytes = socket.bytesWritten + socket.bytesRead;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.onText(chunk, nowNs()));
        response.on('error', () => undefined); // "aborted" once stop() cuts the stream
        resolve();
      });
      this.request.on('socket', (socket: Socket) => {
        socket.setNoDelay(true);
        this.meter.track(socket);
      });
      this.request.on('error', (error) => (this.setupBytes === undefined ? reject(error) : undefined));
      this.requests++;
      this.request.end();
    });
  }

  stop(): void {
    this.request?.destroy();
    this.agent.destroy();
  }

  private onText(chunk: string, receivedAtNs: bigint): void {
    this.text += chunk;
    for (let end = this.text.indexOf('\n\n'); end !== -1; end = this.text.indexOf('\n\n')) {
      const event = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      const lines = event.split('\n');
      if (lines.some((line) => line.startsWith('event: '))) continue;
      const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      if (data !== '') this.onDelivery(deliveryOf(data, receivedAtNs));
    }
  }
}
