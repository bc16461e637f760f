import { Duplex } from 'node:stream';
import { buildAcceptResponse } from '../protocol/handshake';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { HandshakeChannel } from './handshake-channel';
import { writeRefusal } from './write-refusal';

/** An HTTP/1.1 upgrade's socket: the 101 or a refusal written on it (RFC 6455 §4.2.2). */
export class UpgradeChannel implements HandshakeChannel {
  constructor(
    readonly duplex: Duplex,
    readonly head: Buffer,
    /** Sec-WebSocket-Key, for Sec-WebSocket-Accept. */
    private readonly key: string,
  ) {}

  accept(protocol: string | undefined, extensions: string | undefined): void {
    const { duplex } = this;
    duplex.write(buildAcceptResponse({ key: this.key, protocol, extensions }));
    if ('setNoDelay' in duplex && typeof duplex.setNoDelay === 'function') duplex.setNoDelay(true);
  }

  refuse(refusal: HandshakeRefusal): void {
    writeRefusal(this.duplex, refusal);
  }
}
