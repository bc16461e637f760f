import { WsParamtype } from '../websocket.constants';
import { wsParam } from './ws-param.decorator';

/** Injects the envelope's `id` (undefined for fire-and-forget messages). */
export const RequestId = (): ParameterDecorator => wsParam(WsParamtype.RequestId);
