import { Wire } from '../peers/peer-catalog';

/** ASCII letters only: the same bytes in every wire format, nothing for JSON to escape. */
export function payloadOf(bytes: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return letters.repeat(Math.ceil(bytes / letters.length)).slice(0, bytes);
}

/** A JSON document of about `bytes` bytes (never more): chat-like records, as compressible as real traffic. */
export function jsonPayloadOf(bytes: number): string {
  const records: string[] = [];
  for (let id = 0; ; id++) {
    const record = JSON.stringify({ id, room: `room-${id % 7}`, from: `user-${id % 13}`, text: `message number ${id} of the benchmark`, at: 1_700_000_000_000 + id * 997 });
    if (`[${[...records, record].join(',')}]`.length > bytes) return `[${records.join(',')}]`;
    records.push(record);
  }
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
