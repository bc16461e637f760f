// User-facing text, as small functions; tests import the same ones.

export const duplicateHandler = (gateway: string, event: string | undefined): string =>
  event === undefined
    ? `${gateway} has two @OnMessage() handlers for raw messages; keep one`
    : `${gateway} has two @OnMessage('${event}') handlers; keep one`;

export const nestDecoratorOnGateway = (gateway: string, member: string, decorator: '@WebSocketServer()' | '@SubscribeMessage()'): string =>
  decorator === '@WebSocketServer()'
    ? `${gateway}.${member} has @WebSocketServer() of @nestjs/websockets, which nest-rfc6455 never fills: inject Rooms or ConnectionRegistry in the constructor instead (docs/migration.md)`
    : `${gateway}.${member} has @SubscribeMessage() of @nestjs/websockets, which nest-rfc6455 never calls: use @OnMessage() from nest-rfc6455 (docs/migration.md)`;

export const duplicatePath = (path: string, gateways: readonly string[]): string =>
  `two gateways are bound to "${path}" (${gateways.join(', ')}); give each its own path`;

export const ownCodecNotShared = (gateway: string, codec: string, moduleCodec: string): string =>
  `${gateway} has a codec of its own (${codec}): its replies and error envelopes use it, but what Rooms, ConnectionRegistry and history send to its clients is encoded with the module's (${moduleCodec}). Set codec in WebSocketModule.forRoot() to use one everywhere`;

export const noHttpServer = (gateway: string): string =>
  `${gateway} has no port and the application has no HTTP server to attach to; give it @Gateway({ port })`;

export const fallbackOnOwnPort = (gateway: string): string =>
  `${gateway} has a port of its own: the HTTP fallback is served on the application's HTTP server only; drop \`port\` or \`fallback\``;

export const originNotAllowed = (origin: string): string => `origin ${origin} is not allowed`;

export const originRefusedOnce = (gateway: string, path: string, origin: string): string =>
  `${gateway} on ${path} answered 403 to a page from ${origin}: only same-origin pages and allowedOrigins may connect. ` +
  `List your front-end origins in allowedOrigins, or set allowedOrigins: '*' to accept any. Logged once per gateway.`;

export const handlerFailed = (gateway: string, methodName: string): string => `${gateway}.${methodName} threw`;

export const enhancerFailed = (kind: string, enhancer: string, gateway: string, methodName: string): string =>
  `${kind} ${enhancer} of ${gateway}.${methodName} threw`;

export const replyNotEncoded = (gateway: string, methodName: string, encoder: string): string =>
  `${gateway}.${methodName} replied with a value that ${encoder} could not encode`;

export const filterFailed = (filter: string, gateway: string, methodName: string): string =>
  `exception filter ${filter} threw while handling an exception from ${gateway}.${methodName}`;

export const decodeFailed = (gateway: string, codec: string): string => `${gateway}: ${codec}.decode threw on a message`;

export const errorNotEncoded = (gateway: string, codec: string, code: string): string =>
  `${gateway}: ${codec}.encode could not encode a ${code} error envelope; INTERNAL was sent instead`;

export const internalNotEncoded = (gateway: string, codec: string): string =>
  `${gateway}: ${codec}.encode could not encode an INTERNAL error envelope; the connection is closed with 1011`;

export const handshakeGuardFailed = (gateway: string, guard: string): string => `${gateway}: handshake guard ${guard} threw`;

export const internalError = (): string => 'internal error';

export const badMessage = (reason: string): string => `bad message: ${reason}`;

export const noHandlerFor = (event: string): string => `no handler for event "${event}"`;
export const noClientRequest = (ack: number): string => `"ack" ${ack} answers no request of the server`;
// Close reasons (at most 123 bytes, RFC 6455 §5.5) and messages of gateways with `authMessage`.
export const authTimedOut = (): string => 'no $auth message in time';
export const authNotCheckedInTime = (): string => 'the guards did not decide on $auth in time';
export const authTimeoutOutOfRange = (path: string, timeoutMs: number, maxMs: number): string =>
  `@Gateway({ path: '${path}' }): authMessage.timeoutMs must be above 0 and at most ${maxMs}, got ${timeoutMs}`;
export const maxMessagesPerPostOutOfRange = (path: string, got: number): string =>
  `@Gateway({ path: '${path}' }): fallback.maxMessagesPerPost must be a whole number of at least 1, got ${got}`;
export const authNotAnswered = (): string => 'a message was sent before $auth was answered';
export const authMessageMissing = (): string => 'the first message must be {"event":"$auth","data":{…}}';
export const authMessageMalformed = (): string => 'the data of $auth must be an object';
export const authStartFailed = (gateway: string): string => `${gateway}: a connection its guards let in on $auth could not start`;

export const hookFailed = (gateway: string, hook: string): string => `${gateway}.${hook} threw`;

export const scopedInstanceFailed = (gateway: string): string => `${gateway} could not be created for a connection (a provider it injects threw)`;

export const connectHookUnfinished = (gateway: string, waitedMs: number): string =>
  `${gateway}.handleConnection has not finished ${waitedMs} ms after its connection closed; the connection is cleaned up without it`;

export const hookUnfinished = (gateway: string, hook: string, waitedMs: number): string =>
  `${gateway}.${hook} has not finished ${waitedMs} ms into the shutdown; the application closes without it`;

export const handshakeRefused = (): string => 'handshake refused';

export const rateLimited = (): string => 'too many messages; this one was dropped';

export const errorsRepeated = (line: string, count: number, windowMs: number): string =>
  `${line} ${count} more times (an error line is logged with its stack once per ${windowMs / 1000} s; its repeats are counted)`;
