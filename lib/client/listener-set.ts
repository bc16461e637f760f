/** A listener as stored; the public methods keep the typed signatures. */
export type StoredListener = (payload: unknown, extra?: unknown) => void;

/**
 * Listeners by event name, called in the order they were added. A listener that throws does not
 * stop the others or the client: its error is rethrown on a later tick, where the platform
 * reports it (the console in a browser, 'uncaughtException' in Node), as EventTarget does.
 */
export class ListenerSet {
  private readonly byEvent = new Map<string, Set<StoredListener>>();

  add(event: string, listener: StoredListener): void {
    const listeners = this.byEvent.get(event);
    if (listeners) listeners.add(listener);
    else this.byEvent.set(event, new Set([listener]));
  }

  remove(event: string, listener: StoredListener): void {
    const listeners = this.byEvent.get(event);
    listeners?.delete(listener);
    if (listeners?.size === 0) this.byEvent.delete(event);
  }

  emit(event: string, payload: unknown, extra?: unknown): void {
    const listeners = this.byEvent.get(event);
    if (!listeners) return;
    // A copy: a listener may remove itself or add others while we call.
    for (const listener of [...listeners]) {
      try {
        listener(payload, extra);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}
