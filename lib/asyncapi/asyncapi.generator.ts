import { Injectable } from '@nestjs/common';
import { GatewayDefinition, GatewayExplorer, HandlerDefinition } from '../gateway/gateway.explorer';
import { PARAM_ARGS_METADATA, WsParamtype } from '../gateway/websocket.constants';
import { AsyncApiDocument, AsyncApiInfo, AsyncApiMessage, AsyncApiServer, JsonSchema, Reference } from './asyncapi-document.interface';
import { DtoSchemas, loadValidationRules } from './dto-schema';

/** `generator.generate(options)`. */
export interface AsyncApiOptions {
  /** Default: title "WebSocket API", version "1.0.0". */
  info?: Partial<AsyncApiInfo>;
  /** Where clients connect, e.g. `{ local: { host: 'localhost:3000', protocol: 'ws' } }`. */
  servers?: Record<string, AsyncApiServer>;
}

interface ParamEntry {
  index: number;
  data?: unknown;
}

/** The `id` of a request envelope, echoed by its reply. */
const REQUEST_ID: JsonSchema = { type: ['string', 'number'], description: 'set by the client to get a reply; the reply and any error carry it back' };

/** The `error` envelope of DESIGN.md, shared by every channel. */
const ERROR_MESSAGE: AsyncApiMessage = {
  name: 'error',
  title: 'error',
  summary: 'An exception from a guard, pipe, handler or filter, an unknown event or a malformed message; the connection stays open.',
  payload: {
    type: 'object',
    required: ['event', 'data'],
    properties: {
      event: { const: 'error' },
      data: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          event: { type: 'string', description: 'the event that failed' },
          code: { type: 'string', description: 'VALIDATION_FAILED, UNKNOWN_EVENT, BAD_MESSAGE, FORBIDDEN, RATE_LIMITED, INTERNAL, or a WsException code' },
          message: { type: 'string' },
          details: { description: 'e.g. the constraint messages of VALIDATION_FAILED' },
        },
      },
      id: REQUEST_ID,
    },
  },
};

const RAW_PAYLOAD: JsonSchema = { description: 'any text or binary message that is not an envelope of one of the named events' };

const ref = ($ref: string): Reference => ({ $ref });

/**
 * Writes an AsyncAPI 3.0 document of the application's gateways: a channel per gateway (its
 * path), a `receive` operation per `@OnMessage` handler with the envelope it takes and the reply
 * it sends, and payload schemas from the `@MessageBody` parameter types, described by their
 * class-validator rules where they have some (class-validator is optional).
 *
 * @example
 * const document = await app.get(AsyncApiGenerator).generate({ info: { title: 'Chat', version: '2.1.0' } });
 * writeFileSync('asyncapi.json', JSON.stringify(document, null, 2));
 */
@Injectable()
export class AsyncApiGenerator {
  constructor(private readonly explorer: GatewayExplorer) {}

  async generate(options: AsyncApiOptions = {}): Promise<AsyncApiDocument> {
    const schemas = new DtoSchemas(await loadValidationRules());
    const document: AsyncApiDocument = {
      asyncapi: '3.0.0',
      info: { title: 'WebSocket API', version: '1.0.0', ...options.info },
      defaultContentType: 'application/json',
      ...(options.servers ? { servers: options.servers } : {}),
      channels: {},
      operations: {},
      components: { messages: { error: ERROR_MESSAGE }, schemas: schemas.components },
    };
    const gateways = this.explorer.explore().sort((a, b) => a.options.path.localeCompare(b.options.path));
    for (const gateway of gateways) addGateway(document, gateway, schemas);
    return document;
  }
}

function addGateway(document: AsyncApiDocument, gateway: GatewayDefinition, schemas: DtoSchemas): void {
  const channelId = gateway.metatype.name;
  const { path, subprotocols = [] } = gateway.options;
  const channel = (document.channels[channelId] = {
    address: path,
    title: channelId,
    description: `ws ${path}${subprotocols.length > 0 ? ` (subprotocols: ${subprotocols.join(', ')})` : ''}`,
    messages: { error: ref('#/components/messages/error') } as Record<string, Reference>,
  });
  const channelMessage = (id: string): Reference => ref(`#/channels/${channelId}/messages/${id}`);
  for (const handler of gateway.handlers) {
    const messageId = handler.event ?? 'message';
    const replyId = `${messageId}.reply`;
    const data = bodySchema(gateway, handler, schemas);
    document.components.messages[`${channelId}.${messageId}`] = handler.event === undefined
      ? { name: messageId, title: 'raw message', summary: 'Handled by the raw handler (@OnMessage() with no event).', payload: RAW_PAYLOAD }
      : { name: messageId, title: messageId, payload: envelope(handler.event, data, true) };
    document.components.messages[`${channelId}.${replyId}`] = handler.event === undefined
      ? { name: replyId, title: 'raw reply', summary: 'What the raw handler returns, as text or binary.', payload: RAW_PAYLOAD }
      : { name: replyId, title: `${messageId} reply`, summary: 'The handler’s return value (each emission of an Observable).', payload: envelope(handler.event, {}, false) };
    channel.messages[messageId] = ref(`#/components/messages/${channelId}.${messageId}`);
    channel.messages[replyId] = ref(`#/components/messages/${channelId}.${replyId}`);
    document.operations[`${channelId}.${handler.methodName}`] = {
      action: 'receive',
      channel: ref(`#/channels/${channelId}`),
      title: `${channelId}.${handler.methodName}`,
      summary: handler.event === undefined ? `raw messages on ${path}` : `"${handler.event}" on ${path}`,
      messages: [channelMessage(messageId)],
      reply: { channel: ref(`#/channels/${channelId}`), messages: [channelMessage(replyId), channelMessage('error')] },
    };
  }
}

function envelope(event: string, data: JsonSchema, isRequest: boolean): JsonSchema {
  return {
    type: 'object',
    required: ['event'],
    properties: { event: { const: event }, data, id: isRequest ? REQUEST_ID : { ...REQUEST_ID, description: 'the id of the request, when it had one' } },
  };
}

/** `@MessageBody()` gives the whole `data`; `@MessageBody('prop')` parameters give an object of those properties. */
function bodySchema({ metatype }: GatewayDefinition, { methodName }: HandlerDefinition, schemas: DtoSchemas): JsonSchema {
  const params: Record<string, ParamEntry> = Reflect.getMetadata(PARAM_ARGS_METADATA, metatype, methodName) ?? {};
  const types: unknown[] = Reflect.getMetadata('design:paramtypes', metatype.prototype, methodName) ?? [];
  const bodies = Object.entries(params)
    .filter(([key]) => Number(key.split(':')[0]) === WsParamtype.Body)
    .map(([, param]) => param)
    .sort((a, b) => a.index - b.index);
  const whole = bodies.find((param) => typeof param.data !== 'string');
  if (whole) return schemas.forType(types[whole.index]);
  if (bodies.length === 0) return {};
  const properties: Record<string, JsonSchema> = {};
  for (const param of bodies) properties[param.data as string] = schemas.forType(types[param.index]);
  return { type: 'object', properties, required: Object.keys(properties) };
}
