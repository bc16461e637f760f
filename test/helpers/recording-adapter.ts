import { MemoryAdapter } from '../../lib/adapters/memory/memory.adapter';

/** A MemoryAdapter that records what a RoomsNode asks its broker to listen to, in order (`subscribe room lobby`). */
export function recordingAdapter(): { adapter: MemoryAdapter; calls: string[] } {
  const adapter = new MemoryAdapter();
  const calls: string[] = [];
  // MemoryAdapter declares them without parameters (it ignores them); the node passes (kind, name).
  jest.spyOn(adapter, 'subscribe').mockImplementation(async (...args: unknown[]) => void calls.push(`subscribe ${args.join(' ')}`));
  jest.spyOn(adapter, 'unsubscribe').mockImplementation(async (...args: unknown[]) => void calls.push(`unsubscribe ${args.join(' ')}`));
  return { adapter, calls };
}
