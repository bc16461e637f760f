import { WsParamtype } from '../websocket.constants';
import { wsParam } from './ws-param.decorator';

/** Injects the HandshakeInfo of the connection: url, path, query, headers, remote address, subprotocol. */
export const Handshake = (): ParameterDecorator => wsParam(WsParamtype.Handshake);
