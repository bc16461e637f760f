// The chat's rooms live under `chat:` in the shared room space: /bench and other gateways join
// rooms of their own names, and only `chat:*` keeps history (app.module.ts).
const PREFIX = 'chat:';

/** The library room of the chat room `lobby`: `chat:lobby`. */
export const chatRoom = (room: string): string => PREFIX + room;

/** The chat room of a library room, or undefined when it is not the chat's. */
export const chatRoomOf = (libraryRoom: string): string | undefined => (libraryRoom.startsWith(PREFIX) ? libraryRoom.slice(PREFIX.length) : undefined);

/**
 * `WebSocketModule.forRoot({ history })` of the sample: every chat room keeps its last 1,000 messages
 * until it has been quiet for 10 minutes (clients name rooms, so their histories must not pile up:
 * 10,000 one-message rooms take about 6 MB), and /chat connections resume.
 */
export const CHAT_HISTORY = { rooms: [`${PREFIX}*`], maxMessages: 1000, maxAgeMs: 0, historyTtlMs: 600_000, sessionPaths: ['/chat'] };
