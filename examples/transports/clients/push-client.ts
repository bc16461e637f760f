import { Socket } from 'node:net';
import { PushEnvelope } from '../wire';

/** One message as a client got it. */
export interface Delivery {
  seq: number;
  sentAtNs: bigint;
  receivedAtNs: bigint;
  /** Bytes of the JSON text of the message alone, without any framing. */
  jsonBytes: number;
}

export type OnDelivery = (delivery: Delivery) => void;

/** A simulated browser tab subscribed to the feed over one transport. */
export interface PushClient {
  /** Resolves once the client is subscribed (WebSocket open, stream open, first poll answered). */
  start(): Promise<void>;
  stop(): void;
  /** HTTP requests sent so far (the upgrade request counts for a WebSocket). */
  readonly requests: number;
  /** Poll answers that carried no message (0 for streams). */
  readonly emptyAnswers: number;
  /** Bytes both ways before the first message could flow (handshake, stream headers); undefined for polling. */
  readonly setupBytes: number | undefined;
}

export function deliveryOf(json: string, receivedAtNs: bigint): Delivery {
  const { data } = JSON.parse(json) as PushEnvelope;
  return { seq: data.seq, sentAtNs: BigInt(data.sentAtNs), receivedAtNs, jsonBytes: Buffer.byteLength(json) };
}

export interface ByteCount {
  /** Server to client. */
  down: number;
  /** Client to server. */
  up: number;
}

/**
 * Bytes on the wire as the client sockets count them: everything TCP carried, HTTP request
 * lines, headers, chunked encoding and WebSocket frame headers included (IP and TCP headers not).
 */
export class ByteMeter {
  private readonly sockets = new Set<Socket>();

  track(socket: Socket): void {
    this.sockets.add(socket);
  }

  snapshot(): Map<Socket, ByteCount> {
    return new Map([...this.sockets].map((socket) => [socket, { down: socket.bytesRead, up: socket.bytesWritten }]));
  }

  /** What moved between two snapshots; a socket opened in between counts from zero. */
  static between(before: ReadonlyMap<Socket, ByteCount>, after: ReadonlyMap<Socket, ByteCount>): ByteCount {
    let down = 0;
    let up = 0;
    for (const [socket, count] of after) {
      down += count.down - (before.get(socket)?.down ?? 0);
      up += count.up - (before.get(socket)?.up ?? 0);
    }
    return { down, up };
  }
}
