// The sample's /chat contract (DESIGN.md) as the client's event maps.
export interface ChatEmits {
  join: { room: string; name: string };
  leave: { room: string };
  say: { room: string; text: string };
}

export interface Said {
  room: string;
  from: string;
  text: string;
  at: string;
}

export interface ChatEvents {
  join: { room: string; members: string[] };
  leave: { room: string };
  said: Said;
  joined: { room: string; name: string };
  left: { room: string; name: string };
}
