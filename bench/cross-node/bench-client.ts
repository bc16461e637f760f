import WebSocket from 'ws';
import { BenchWire, msgPayload } from './cross-node-targets';

const CONNECT_TIMEOUT_MS = 10_000;

/** One WebSocket of the bench: a subscriber (member of the room) or the publisher. */
export class BenchClient {
  onMsg: (payload: string) => void = () => undefined;
  private readonly waiting: ((text: string) => void)[] = [];
  /** Replies nobody waited for yet (the Engine.IO open packet comes with the upgrade). */
  private readonly unread: string[] = [];

  private constructor(
    private readonly socket: WebSocket,
    private readonly wire: BenchWire,
  ) {
    socket.on('message', (data: WebSocket.RawData) => this.receive(String(data)));
    socket.on('error', () => undefined); // 'close' follows; the run notices missing deliveries
  }

  static async connect(wire: BenchWire, port: number): Promise<BenchClient> {
    const socket = new WebSocket(wire.url(port), { perMessageDeflate: false });
    const client = new BenchClient(socket, wire);
    await bounded(
      new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      }),
      `connect to ${wire.url(port)}`,
    );
    await bounded(
      wire.handshake(socket, () => client.nextText()),
      'protocol handshake',
    );
    return client;
  }

  async join(room: string): Promise<void> {
    const reply = this.nextText();
    this.socket.send(this.wire.join(room));
    if (!this.wire.isJoinReply(await bounded(reply, `join ${room}`))) throw new Error('unexpected reply to join');
  }

  broadcast(room: string, payload: string): void {
    this.socket.send(this.wire.broadcast(room, payload));
  }

  close(): void {
    this.socket.terminate();
  }

  private nextText(): Promise<string> {
    const text = this.unread.shift();
    return text === undefined ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve(text);
  }

  private receive(text: string): void {
    if (this.wire.answerControl(this.socket, text)) return;
    const payload = msgPayload(text);
    if (payload !== undefined) this.onMsg(payload);
    else {
      const waiter = this.waiting.shift();
      if (waiter) waiter(text);
      else this.unread.push(text);
    }
  }
}

async function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
