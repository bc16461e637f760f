import { IntrinsicException } from '@nestjs/common';

/**
 * An application error the client should see as an `error` envelope; the connection stays open.
 * Extends Nest's IntrinsicException, so it is not logged as a server fault.
 *
 * @example
 * throw new WsException('ROOM_FULL', 'the room is full', { room, capacity: 50 });
 */
export class WsException extends IntrinsicException {
  override readonly name = 'WsException';

  constructor(
    /** A stable, machine-readable code, e.g. `ROOM_FULL`. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}
