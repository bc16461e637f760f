import { join } from 'node:path';
import WebSocket from 'ws';
import { BUILD_DIR } from '../system/paths';

/** How one system speaks the /bench contract on the wire. */
export interface BenchWire {
  url(port: number): string;
  /** After 'open': whatever the protocol needs before events (socket.io: Engine.IO open and connect). */
  handshake(socket: WebSocket, next: () => Promise<string>): Promise<void>;
  join(room: string): string;
  isJoinReply(text: string): boolean;
  broadcast(room: string, payload: string): string;
  /** Answers protocol keep-alives; true when the message was one. */
  answerControl(socket: WebSocket, text: string): boolean;
}

/** The brokers the bench starts once and every run shares. */
export interface Brokers {
  redisUrl: string;
  /** Seed nodes of a Redis Cluster of 3 masters, as the sample's REDIS_CLUSTER_URLS. */
  redisClusterUrls: string;
  natsUrl: string;
}

export interface CrossNodeTarget {
  id: 'nest-rfc6455' | 'nest-rfc6455-cluster' | 'nest-rfc6455-nats' | 'socket.io';
  label: string;
  /** The broker whose CPU the run counts. */
  broker: keyof Brokers;
  /** The compiled entry of one node. */
  script: string;
  env(port: number, brokers: Brokers): NodeJS.ProcessEnv;
  wire: BenchWire;
}

// The sample compiled with this bench (bench/cross-node/tsconfig.json) into bench/.build/dist.
const SAMPLE_MAIN = join(BUILD_DIR, 'dist', 'sample', 'src', 'main.js');

const envelopeWire: BenchWire = {
  url: (port) => `ws://127.0.0.1:${port}/bench`,
  handshake: async () => undefined,
  join: (room) => JSON.stringify({ event: 'join', data: room, id: 1 }),
  isJoinReply: (text) => text.startsWith('{"event":"join"'),
  broadcast: (room, payload) => JSON.stringify({ event: 'broadcast', data: { room, payload } }),
  answerControl: () => false,
};

// Engine.IO v4 over one WebSocket: "0{…}" open, "40" connect, "42[…]" events, ping "2" → pong "3".
const socketIoWire: BenchWire = {
  url: (port) => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`,
  handshake: async (socket, next) => {
    if (!(await next()).startsWith('0')) throw new Error('no Engine.IO open packet');
    socket.send('40');
    if (!(await next()).startsWith('40')) throw new Error('no Socket.IO connect packet');
  },
  join: (room) => `42${JSON.stringify(['join', room])}`,
  isJoinReply: (text) => text.startsWith('42["join"'),
  broadcast: (room, payload) => `42${JSON.stringify(['broadcast', { room, payload }])}`,
  answerControl: (socket, text) => {
    if (text !== '2') return false;
    socket.send('3');
    return true;
  },
};

export const CROSS_NODE_TARGETS: readonly CrossNodeTarget[] = [
  {
    id: 'nest-rfc6455',
    label: 'nest-rfc6455 + RedisAdapter',
    broker: 'redisUrl',
    script: SAMPLE_MAIN,
    env: (port, { redisUrl }) => ({ ...process.env, PORT: String(port), REDIS_URL: redisUrl }),
    wire: envelopeWire,
  },
  {
    id: 'nest-rfc6455-cluster',
    label: 'nest-rfc6455 + RedisAdapter on a Redis Cluster (3 masters, sharded pub/sub)',
    broker: 'redisClusterUrls',
    script: SAMPLE_MAIN,
    env: (port, { redisClusterUrls }) => ({ ...process.env, PORT: String(port), REDIS_CLUSTER_URLS: redisClusterUrls }),
    wire: envelopeWire,
  },
  {
    id: 'nest-rfc6455-nats',
    label: 'nest-rfc6455 + NatsAdapter',
    broker: 'natsUrl',
    script: SAMPLE_MAIN,
    env: (port, { natsUrl }) => ({ ...process.env, PORT: String(port), NATS_URL: natsUrl }),
    wire: envelopeWire,
  },
  {
    id: 'socket.io',
    label: 'Nest + socket.io + @socket.io/redis-adapter',
    broker: 'redisUrl',
    script: join(__dirname, 'socketio-redis-node.js'),
    env: (port, { redisUrl }) => ({ ...process.env, PORT: String(port), REDIS_URL: redisUrl }),
    wire: socketIoWire,
  },
];

/** The payload of a `msg` push (the last JSON string of the message), or undefined for anything else. */
export function msgPayload(text: string): string | undefined {
  if (!text.includes('"msg"')) return undefined;
  const end = text.lastIndexOf('"');
  return text.slice(text.lastIndexOf('"', end - 1) + 1, end);
}
