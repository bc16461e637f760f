// User-facing text, as small functions; tests import the same ones.

export const duplicateHandler = (gateway: string, event: string | undefined): string =>
  event === undefined
    ? `${gateway} has two @OnMessage() handlers for raw messages; keep one`
    : `${gateway} has two @OnMessage('${event}') handlers; keep one`;

export const duplicatePath = (path: string, gateways: readonly string[]): string =>
  `two gateways are bound to "${path}" (${gateways.join(', ')}); give each its own path`;

export const noHttpServer = (gateway: string): string =>
  `${gateway} has no port and the application has no HTTP server to attach to; give it @Gateway({ port })`;

export const originNotAllowed = (origin: string): string => `origin ${origin} is not allowed`;

export const handlerFailed = (gateway: string, methodName: string): string => `${gateway}.${methodName} threw`;

export const internalError = (): string => 'internal error';

export const badMessage = (reason: string): string => `bad message: ${reason}`;

export const noHandlerFor = (event: string): string => `no handler for event "${event}"`;

export const hookFailed = (gateway: string, hook: string): string => `${gateway}.${hook} threw`;

export const handshakeRefused = (): string => 'handshake refused';

export const rateLimited = (): string => 'too many messages; this one was dropped';
