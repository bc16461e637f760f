// Deterministic payloads for the permessage-deflate suites: chat-like JSON text that compresses
// the way real traffic does, and binary that mixes incompressible and repetitive stretches.
import { isUtf8 } from 'node:buffer';

/** A small seeded PRNG (mulberry32), so every run sends the same bytes and a mismatch is reproducible. */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const NAMES = ['ada', 'bob', 'chloé', 'dmitri', 'eve', 'fatima', 'grace', 'hiro'];
const ROOMS = ['lobby', 'random', 'support', 'dev'];
const WORDS = ['hello', 'the', 'build', 'is', 'green', 'again', 'merge', 'when', 'ready', 'thanks', 'coffee', '☕', 'naïve', 'ok', '👍', 'deploy', 'at', 'noon', 'lgtm', 'ship', 'it'];

/** One chat envelope as the sample's /chat sends it: `{"event":"said","data":{room,from,text,at}}`. */
export const chatEnvelope = (random: () => number, index: number): string => {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const text = Array.from({ length: 3 + Math.floor(random() * 12) }, () => pick(WORDS)).join(' ');
  const at = new Date(Date.UTC(2025, 0, 1, 12, 0, index)).toISOString();
  return JSON.stringify({ event: 'said', data: { room: pick(ROOMS), from: pick(NAMES), text, at } });
};

/** Valid UTF-8 chat-like JSON lines of exactly `size` bytes (multi-byte characters included). */
export const chatText = (size: number, seed = size): string => {
  const random = seededRandom(seed);
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < size; i++) {
    const line = chatEnvelope(random, i) + '\n';
    lines.push(line);
    bytes += Buffer.byteLength(line);
  }
  let cut = Buffer.from(lines.join('')).subarray(0, size);
  while (!isUtf8(cut)) cut = cut.subarray(0, cut.length - 1); // never split a code point
  const text = cut.toString('utf8') + 'x'.repeat(size - cut.length);
  if (Buffer.byteLength(text) !== size) throw new Error(`chatText(${size}) made ${Buffer.byteLength(text)} bytes`);
  return text;
};

/** `size` bytes: the first half random (stored blocks), the second half 300-byte runs with a few changes (matches). */
export const mixedBinary = (size: number, seed = size + 1): Buffer => {
  const random = seededRandom(seed);
  const bytes = Buffer.allocUnsafe(size);
  const half = size >>> 1;
  for (let i = 0; i < half; i++) bytes[i] = Math.floor(random() * 256);
  for (let i = half; i < size; i++) bytes[i] = i - half < 300 || random() < 0.02 ? Math.floor(random() * 256) : bytes[i - 300];
  return bytes;
};

export const sizeLabel = (size: number): string =>
  size >= 1 << 20 && size % (1 << 20) === 0 ? `${size / (1 << 20)} MiB` : size >= 1024 && size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
