import { Injectable, UnauthorizedException } from '@nestjs/common';
import { HandshakeContext, HandshakeGuard } from '../../../lib';

/** The token /private accepts: SAMPLE_TOKEN, or "let-me-in" when unset. A demo, not a secret. */
export const sampleToken = (): string => process.env.SAMPLE_TOKEN ?? 'let-me-in';

/**
 * A guard at the handshake: no token → 401, wrong token → 403, both before the 101.
 * It attaches the user to the connection's data.
 */
@Injectable()
export class TokenGuard implements HandshakeGuard {
  canActivate({ handshake, data }: HandshakeContext): boolean {
    const token = handshake.query.token;
    if (token === undefined) throw new UnauthorizedException('a token is required: /private?token=…');
    if (token !== sampleToken()) return false;
    data.user = { name: typeof handshake.query.name === 'string' ? handshake.query.name : 'guest' };
    return true;
  }
}
