import { ParamData } from '@nestjs/common';
import { ParamsFactory } from '@nestjs/core';
import { HandlerArgs } from './handler-args';
import { WsParamtype } from './websocket.constants';

/** Turns a parameter decorator into its value for one message (Nest's ParamsFactory contract). */
export class WsParamsFactory implements ParamsFactory {
  exchangeKeyForValue(type: number, data: ParamData, args: HandlerArgs): unknown {
    const [connection, body, meta] = args;
    switch (type as WsParamtype) {
      case WsParamtype.Connection:
        return connection;
      case WsParamtype.Body:
        if (typeof data !== 'string') return body;
        // Like Nest's @Body('prop'): a property of an object, and nothing when the body is not one.
        return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[data] : undefined;
      case WsParamtype.Handshake:
        return connection.handshake;
      case WsParamtype.RequestId:
        return meta.id;
      default:
        return undefined;
    }
  }
}
