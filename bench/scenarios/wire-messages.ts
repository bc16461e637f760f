import { Wire } from '../peers/peer-catalog';

/** ASCII letters only: the same bytes in every wire format, nothing for JSON to escape. */
export function payloadOf(bytes: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return letters.repeat(Math.ceil(bytes / letters.length)).slice(0, bytes);
}

/** "echo X → echo X" (DESIGN.md /bench), or X itself on a raw echo. */
export function echoMessage(wire: Wire, payload: string): string {
  switch (wire) {
    case 'raw':
      return payload;
    case 'envelope':
      return JSON.stringify({ event: 'echo', data: payload });
    case 'socket.io':
      return `42${JSON.stringify(['echo', payload])}`;
  }
}

export function joinMessage(wire: Wire, room: string): string {
  return wire === 'socket.io' ? `42${JSON.stringify(['join', room])}` : JSON.stringify({ event: 'join', data: room });
}

/** Every member of `room` gets {"event":"msg","data":payload} (socket.io: 42["msg",payload]). */
export function broadcastMessage(wire: Wire, room: string, payload: string): string {
  const data = { room, payload };
  return wire === 'socket.io' ? `42${JSON.stringify(['broadcast', data])}` : JSON.stringify({ event: 'broadcast', data });
}
