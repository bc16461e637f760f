// SSE, long polling and short polling on plain node:http, one transport per process
// (`node http-push-server.js sse|long-poll|short-poll`). All three publish the same JSON at the
// same fixed rate as the WebSocket server.
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { encodePush, exitWithParent, LOOPBACK, nowNs, publishIntervalMs, pushData, READY_PREFIX } from '../wire';

type Mode = 'sse' | 'long-poll' | 'short-poll';

interface Published {
  seq: number;
  json: string;
}

/** Messages kept for pollers that come back late: at 10 msg/s, well over a minute. */
const KEPT_MESSAGES = 1024;
/** A parked long poll is answered empty after this long (clients then ask again). */
const LONG_POLL_TIMEOUT_MS = 25_000;

const mode = process.argv[2] as Mode;
if (!['sse', 'long-poll', 'short-poll'].includes(mode)) throw new Error(`unknown mode ${process.argv[2]}`);

const kept: Published[] = [];
const streams = new Set<ServerResponse>();
const parked = new Set<{ response: ServerResponse; timer: NodeJS.Timeout }>();
let lastSeq = 0;

function publish(): void {
  const data = pushData(++lastSeq);
  const message = { seq: data.seq, json: encodePush(data) };
  kept.push(message);
  if (kept.length > KEPT_MESSAGES) kept.shift();
  // One SSE event: an id (what EventSource sends back as Last-Event-ID to resume) and the data line.
  for (const stream of streams) stream.write(`id: ${message.seq}\ndata: ${message.json}\n\n`);
  for (const poll of parked) {
    clearTimeout(poll.timer);
    answerPoll(poll.response, [message]);
  }
  parked.clear();
}

/** `{"next":<cursor>,"messages":[…]}`: the client asks for what follows `next` on its next poll. */
function answerPoll(response: ServerResponse, messages: readonly Published[]): void {
  const next = messages.length > 0 ? messages[messages.length - 1].seq : lastSeq;
  const body = `{"next":${next},"messages":[${messages.map((message) => message.json).join(',')}]}`;
  response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function onEvents(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
  response.flushHeaders(); // the client sees the stream open before the first event
  streams.add(response);
  request.on('close', () => streams.delete(response));
}

function onPoll(url: URL, response: ServerResponse): void {
  const after = url.searchParams.get('after');
  // The first poll carries no cursor: it learns where the stream is, and gets nothing older.
  if (after === null) return answerPoll(response, []);
  const pending = kept.filter((message) => message.seq > Number(after));
  if (pending.length > 0 || mode === 'short-poll') return answerPoll(response, pending);
  const poll = { response, timer: setTimeout(() => (parked.delete(poll), answerPoll(response, [])), LONG_POLL_TIMEOUT_MS) };
  parked.add(poll);
  response.on('close', () => {
    clearTimeout(poll.timer);
    parked.delete(poll);
  });
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/clock') return void response.end(nowNs().toString());
  if (url.pathname === '/events' && mode === 'sse') return onEvents(request, response);
  if (url.pathname === '/poll' && mode !== 'sse') return onPoll(url, response);
  response.writeHead(404).end();
});

exitWithParent();
server.listen(0, LOOPBACK, () => {
  setInterval(publish, publishIntervalMs());
  console.log(`${READY_PREFIX}${(server.address() as AddressInfo).port}`);
});
