import { SetMetadata } from '@nestjs/common';
import { ON_MESSAGE_METADATA } from '../websocket.constants';

export interface OnMessageMetadata {
  /** The envelope's `event`; undefined for a handler of raw messages. */
  event: string | undefined;
}

/**
 * Handles the messages of one event, or, without a name, every raw message (string or Buffer).
 *
 * @example
 * ＠OnMessage('join') join(＠MessageBody() body: JoinDto) { … }
 * ＠OnMessage() echo(＠MessageBody() message: string | Buffer) { return message; }
 */
export const OnMessage = (event?: string): MethodDecorator =>
  SetMetadata<string, OnMessageMetadata>(ON_MESSAGE_METADATA, { event });
