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
    const values = ownValue(distinct, name);
    if (values) values.push(value);
    else setOwn(distinct, name, [value]);
    addHeader(headers, name, value);
  }
  request.headers = headers;
  request.headersDistinct = distinct;
  request.complete = true;
  return request;
}

function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  // Node drops a `__proto__` header from `headers` (its assignment only tries to set the prototype).
  if (name === '__proto__') return;
  const previous = ownValue(headers, name);
  if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (Array.isArray(previous)) previous.push(value);
  else if (!FIRST_ONLY.has(name)) headers[name] = `${previous}${name === 'cookie' ? '; ' : ', '}${value}`;
}

/**
 * A header name is the peer's: `constructor`, `toString` or `__proto__` name what every object
 * inherits, so only a value of the object's own is one received (an inherited function has no push()).
 */
const ownValue = <T>(dict: NodeJS.Dict<T>, name: string): T | undefined => (Object.hasOwn(dict, name) ? dict[name] : undefined);

/** `__proto__` as a field of its own, not the prototype: headersDistinct keeps every name received. */
function setOwn<T>(dict: NodeJS.Dict<T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(dict, name, { value, enumerable: true, writable: true, configurable: true });
  else dict[name] = value;
}
