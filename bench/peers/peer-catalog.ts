/** The server processes the suite starts, one per port. */
export type PeerName = 'ws' | 'net' | 'nest-ws' | 'nest-sio' | 'ours' | 'ours-own-port';

/** What the load generator speaks to a target: plain frames, or Engine.IO v4 packets inside them. */
export type Protocol = 'ws' | 'sio';
/** How a target's messages look: raw payloads, DESIGN.md envelopes, or socket.io events. */
export type Wire = 'raw' | 'envelope' | 'socket.io';

export type TargetId = 'ws' | 'net' | 'ours-raw' | 'ws-json' | 'nest-ws' | 'nest-sio' | 'ours-gateway' | 'ours-own-port' | 'ws-deflate' | 'ours-deflate';

/** One endpoint under test: a peer process, a path, and how to talk to it. */
export interface Target {
  id: TargetId;
  label: string;
  peer: PeerName;
  path: string;
  protocol: Protocol;
  wire: Wire;
}

/** Compiled script of each peer, in dist/bench/peers. */
export const PEER_SCRIPTS: Record<PeerName, string> = {
  ws: 'ws-server.js',
  net: 'net-ceiling-server.js',
  'nest-ws': 'nest-ws-server.js',
  'nest-sio': 'nest-socketio-server.js',
  ours: 'ours-server.js',
  'ours-own-port': 'ours-own-port-server.js',
};

const SOCKET_IO_PATH = '/socket.io/?EIO=4&transport=websocket';

export const TARGETS: Record<TargetId, Target> = {
  ws: { id: 'ws', label: 'ws', peer: 'ws', path: '/echo', protocol: 'ws', wire: 'raw' },
  net: { id: 'net', label: 'node:net ceiling', peer: 'net', path: '/echo', protocol: 'ws', wire: 'raw' },
  'ours-raw': { id: 'ours-raw', label: 'nest-rfc6455 /echo', peer: 'ours', path: '/echo', protocol: 'ws', wire: 'raw' },
  'ws-json': { id: 'ws-json', label: 'ws + JSON switch', peer: 'ws', path: '/bench', protocol: 'ws', wire: 'envelope' },
  'nest-ws': { id: 'nest-ws', label: '@nestjs/platform-ws', peer: 'nest-ws', path: '/bench', protocol: 'ws', wire: 'envelope' },
  'nest-sio': { id: 'nest-sio', label: 'Nest + socket.io', peer: 'nest-sio', path: SOCKET_IO_PATH, protocol: 'sio', wire: 'socket.io' },
  'ours-gateway': { id: 'ours-gateway', label: 'nest-rfc6455 gateway', peer: 'ours', path: '/bench', protocol: 'ws', wire: 'envelope' },
  'ours-own-port': { id: 'ours-own-port', label: 'nest-rfc6455 own port', peer: 'ours-own-port', path: '/own', protocol: 'ws', wire: 'raw' },
  'ws-deflate': { id: 'ws-deflate', label: 'ws + permessage-deflate', peer: 'ws', path: '/deflate', protocol: 'ws', wire: 'raw' },
  'ours-deflate': { id: 'ours-deflate', label: 'nest-rfc6455 /echo + permessage-deflate', peer: 'ours', path: '/echo', protocol: 'ws', wire: 'raw' },
};

/** Raw engines (baseline: ws raw echo). */
export const RAW_TARGETS: TargetId[] = ['ws', 'net', 'ours-raw'];
/** The /bench contract through each stack (baseline: ws with a hand-written JSON switch). */
export const GATEWAY_TARGETS: TargetId[] = ['ws-json', 'nest-ws', 'nest-sio', 'ours-gateway'];
/** Raw echo with permessage-deflate negotiated (baseline: ws with perMessageDeflate). */
export const DEFLATE_TARGETS: TargetId[] = ['ws-deflate', 'ours-deflate'];
/** Broadcasts at a fixed rate: server CPU per delivery (baseline: the ws JSON switch). */
export const FIXED_RATE_TARGETS: TargetId[] = ['ws-json', 'ours-gateway'];
/** Idle connections: memory and handshakes (baseline: ws). */
export const IDLE_TARGETS: TargetId[] = ['ws', 'net', 'ours-raw', 'nest-ws', 'nest-sio', 'ours-gateway', 'ours-own-port'];
