/** One server-sent event: its `event` name ('message' when unnamed), its data lines joined with LF. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * The event stream format of WHATWG HTML §9.2.6, fed with decoded text as it arrives: lines end
 * with CRLF, LF or CR; a blank line dispatches the event; `:` starts a comment (a heartbeat).
 */
export class SseParser {
  private buffered = '';
  /** The previous chunk ended with CR: an LF that starts this one belongs to it. */
  private endedWithCr = false;
  private eventName = '';
  private dataLines: string[] = [];

  push(text: string): ServerSentEvent[] {
    if (this.endedWithCr && text.startsWith('\n')) text = text.slice(1);
    this.endedWithCr = text.endsWith('\r');
    const lines = (this.buffered + text).split(/\r\n|\r|\n/);
    this.buffered = lines.pop() ?? '';
    const events: ServerSentEvent[] = [];
    for (const line of lines) {
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
    return undefined; // `id` and `retry` are not needed: a dropped stream is a new session, resumed by $resume
  }

  private dispatch(): ServerSentEvent | undefined {
    const event = this.dataLines.length === 0 ? undefined : { event: this.eventName || 'message', data: this.dataLines.join('\n') };
    this.eventName = '';
    this.dataLines = [];
    return event;
  }
}
