import { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { RequestHead } from './request-head';

/** Node keeps the first of these when one is repeated (node:_http_incoming, checked on Node 20 and 22). */
const FIRST_ONLY = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization', 'if-modified-since',
  'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires',
]);

/**
 * The IncomingMessage a gateway's own port hands to routes and handshake guards, as node:http would
 * have made it: method, url, httpVersion, rawHeaders, headers and headersDistinct (Node's joining rules), socket.
 */
export function incomingMessageOf(socket: Socket, head: RequestHead): IncomingMessage {
  const request = new IncomingMessage(socket);
  request.method = head.method;
  request.url = head.url;
  request.httpVersion = head.httpVersion;
  request.httpVersionMajor = 1;
  request.httpVersionMinor = Number(head.httpVersion.slice(2));
  request.rawHeaders = head.rawHeaders;
  const headers: IncomingHttpHeaders = {};
  const distinct: NodeJS.Dict<string[]> = {};
  for (let i = 0; i < head.rawHeaders.length; i += 2) {
    const name = head.rawHeaders[i].toLowerCase();
    const value = head.rawHeaders[i + 1];
    const values = distinct[name];
    if (values) values.push(value);
    else distinct[name] = [value];
    addHeader(headers, name, value);
  }
  request.headers = headers;
  request.headersDistinct = distinct;
  request.complete = true;
  return request;
}

function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const previous = headers[name];
  if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (Array.isArray(previous)) previous.push(value);
  else if (!FIRST_ONLY.has(name)) headers[name] = `${previous}${name === 'cookie' ? '; ' : ', '}${value}`;
}
