import { IncomingMessage, ServerResponse } from 'node:http';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { WebServer } from './web-server';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Node emits 'upgrade' only when a request has both `Connection: upgrade` and `Upgrade`; a broken
 * handshake without them would reach the application as a plain GET (and get its 404). This puts
 * a check in front of the server's 'request' listeners so such a request gets the refusal that
 * RFC 6455 §4.2.1 asks for (400), and every other request goes on to the application untouched.
 * `refusalFor` sees every request with its response (the upgrade listener notes each socket's
 * latest response, see plain-request-replay.ts). Returns the function that restores the original listeners.
 */
export function interceptHandshakeRequests(server: WebServer, refusalFor: (request: IncomingMessage, response: ServerResponse) => HandshakeRefusal | undefined): () => void {
  return interceptRequests(server, (request, response) => {
    const refusal = refusalFor(request, response);
    if (refusal) respondWithRefusal(response, refusal);
    return refusal !== undefined;
  });
}

/**
 * Puts `take` in front of the server's 'request' listeners: a request it answers (true) reaches
 * no other listener, every other request goes on to the application untouched (Express, Fastify
 * and plain Node all listen there). Returns the function that restores the original listeners.
 */
export function interceptRequests(server: WebServer, take: (request: IncomingMessage, response: ServerResponse) => boolean): () => void {
  const original = server.listeners('request') as RequestListener[];
  let isRestored = false;
  const intercept: RequestListener = (request, response) => {
    if (!isRestored && take(request, response)) return;
    for (const listener of original) listener.call(server, request, response);
  };
  server.removeAllListeners('request');
  server.on('request', intercept);
  return () => {
    isRestored = true;
    // A library attached after us may keep our listener and call it itself (engine.io, so socket.io): ours then
    // stays, passing every request on, since adding the originals back would answer each request twice.
    if (!server.listeners('request').includes(intercept)) return;
    server.off('request', intercept);
    for (const listener of original) server.on('request', listener);
  };
}

/** A refusal as a complete response on the request's own socket, then the socket ends. */
function respondWithRefusal(response: ServerResponse, refusal: HandshakeRefusal): void {
  const body = refusal.body + '\n';
  response.shouldKeepAlive = false;
  response.writeHead(refusal.status, {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...refusal.headers,
  });
  response.end(body);
}
