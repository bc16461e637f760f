import { ConnectedSocket, Gateway, OnMessage, UseHandshakeGuards, WsConnection } from '../../../lib';
import { TokenGuard } from './token.guard';

type PrivateData = { user: { name: string } };

/** `ws /private?token=…`: only clients that pass TokenGuard at the handshake get in. */
@Gateway({ path: '/private' })
@UseHandshakeGuards(TokenGuard)
export class PrivateGateway {
  @OnMessage('whoami')
  whoami(@ConnectedSocket() client: WsConnection<PrivateData>): { name: string } {
    return client.data.user;
  }
}
