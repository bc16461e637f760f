// Peer: the `ws` package with its native addons (bufferutil, utf-8-validate), as its users write it.
// /echo: raw echo. /bench: a hand-written JSON switch for the DESIGN.md /bench contract, rooms in a Map.
// /deflate: raw echo with perMessageDeflate on (ws's defaults), from its own WebSocketServer as ws documents
// for several servers on one HTTP server.
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { exitWithParent, LOOPBACK, peerPort, READY_LINE } from './peer-env';

type Envelope = { event?: unknown; data?: unknown };

const rooms = new Map<string, Set<WebSocket>>();

function onEcho(socket: WebSocket): void {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
}

function onBench(socket: WebSocket): void {
  const joined = new Set<string>();
  socket.on('message', (raw) => {
    let message: Envelope;
    try {
      message = JSON.parse(raw.toString()) as Envelope;
    } catch {
      return;
    }
    switch (message.event) {
      case 'echo':
        socket.send(JSON.stringify({ event: 'echo', data: message.data }));
        return;
      case 'join': {
        const room = String(message.data);
        let members = rooms.get(room);
        if (!members) rooms.set(room, (members = new Set()));
        members.add(socket);
        joined.add(room);
        socket.send(JSON.stringify({ event: 'join', data: room }));
        return;
      }
      case 'broadcast': {
        const { room, payload } = (message.data ?? {}) as { room?: unknown; payload?: unknown };
        const text = JSON.stringify({ event: 'msg', data: payload });
        for (const member of rooms.get(String(room)) ?? []) member.send(text);
        return;
      }
    }
  });
  socket.on('close', () => {
    for (const room of joined) rooms.get(room)?.delete(socket);
  });
}

const server = createServer();
const plain = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 << 20 });
const deflating = new WebSocketServer({ noServer: true, perMessageDeflate: true, maxPayload: 16 << 20 });
server.on('upgrade', (request, socket, head) => {
  const wss = request.url === '/deflate' ? deflating : plain;
  wss.handleUpgrade(request, socket, head, (client) => wss.emit('connection', client, request));
});
plain.on('connection', (socket, request) => {
  socket.on('error', () => undefined);
  if (request.url === '/bench') onBench(socket);
  else onEcho(socket);
});
deflating.on('connection', (socket) => {
  socket.on('error', () => undefined);
  onEcho(socket);
});
server.listen(peerPort(), LOOPBACK, () => console.log(READY_LINE));
exitWithParent();
