import { HandshakeInfo } from '../../session/handshake-info';
import { WsConnection } from '../../session/ws-connection';
import { CloseEvent } from '../../transport/connection';

/** Called once, after the gateway's routes are bound. */
export interface OnGatewayInit {
  afterInit(): void | Promise<void>;
}

/** Called for each new connection, before its first message is handled. A throw closes it with 1011. */
export interface OnGatewayConnection<TData extends object = Record<string, unknown>> {
  handleConnection(connection: WsConnection<TData>, handshake: HandshakeInfo): void | Promise<void>;
}

/** Called when a connection has closed, with the close code and reason; `app.close()` awaits it. */
export interface OnGatewayDisconnect<TData extends object = Record<string, unknown>> {
  handleDisconnect(connection: WsConnection<TData>, close: CloseEvent): void | Promise<void>;
}
