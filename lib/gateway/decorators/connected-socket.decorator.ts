import { WsParamtype } from '../websocket.constants';
import { wsParam } from './ws-param.decorator';

/** Injects the connection the message came from. */
export const ConnectedSocket = (): ParameterDecorator => wsParam(WsParamtype.Connection);
