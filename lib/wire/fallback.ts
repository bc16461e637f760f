// The HTTP fallback's wire contract (docs/fallback.md), written once for the server and the client.
// SSE (WHATWG HTML §9.2) carries server → client messages; POST carries client → server ones.

/** `GET <path>` with this Accept opens a fallback session's event stream. */
export const SSE_MEDIA_TYPE = 'text/event-stream';

/** The header of a POST (and DELETE) naming its session: `<session id>:<token>`. */
export const FALLBACK_SESSION_HEADER = 'x-fallback-session';

/** The stream's first event: `event: session` with `data: {"session","token","maxMessagesPerPost"}` (SessionOpened). */
export const SSE_SESSION_EVENT = 'session';

/** The stream's last event when the server closes: `event: close` with `data: {"code","reason"}` (SessionClosed). */
export const SSE_CLOSE_EVENT = 'close';

/** A binary message: `event: binary` with its bytes in base64. */
export const SSE_BINARY_EVENT = 'binary';

/** A text that holds a CR (SSE would read it as a line end): `event: text` with the text as a JSON string. */
export const SSE_ESCAPED_TEXT_EVENT = 'text';

export interface SessionOpened {
  session: string;
  token: string;
  /** Most messages one POST may carry: the client splits larger batches. */
  maxMessagesPerPost: number;
}

export interface SessionClosed {
  code: number;
  reason: string;
}

/** The body of a POST that was not accepted: `{"error":{"code","message"}}`, with a 4xx status. */
export interface FallbackRefusalBody {
  error: { code: FallbackRefusalCode; message: string };
}

export type FallbackRefusalCode = 'SESSION_NOT_FOUND' | 'BODY_TOO_LARGE' | 'TOO_MANY_MESSAGES' | 'TOO_MANY_REQUESTS' | 'BAD_REQUEST' | 'UNAVAILABLE';

const CARRIAGE_RETURN = 0x0d;

/**
 * A POST's body: one message per line (LF or CRLF; empty lines are skipped); a message holds no line
 * break. Undefined when it holds more than `maxMessages`: the scan stops there, so a body of tiny
 * lines costs at most `maxMessages + 1` of them.
 */
export function splitPostedMessages(body: string, maxMessages = Infinity): string[] | undefined {
  const messages: string[] = [];
  for (let start = 0; start < body.length; ) {
    const lineFeed = body.indexOf('\n', start);
    const next = lineFeed === -1 ? body.length : lineFeed + 1;
    // CRLF ends a line as LF does.
    const end = lineFeed > start && body.charCodeAt(lineFeed - 1) === CARRIAGE_RETURN ? lineFeed - 1 : lineFeed === -1 ? body.length : lineFeed;
    if (end > start) {
      if (messages.length === maxMessages) return undefined;
      messages.push(body.slice(start, end));
    }
    start = next;
  }
  return messages;
}
