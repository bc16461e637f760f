import { ConnectionEvents } from './connection-events';
import { DataOf, EventMap, EventName, InboundEventName, InboundListener } from './event-map';
import { ListenerSet, StoredListener } from './listener-set';
import { RequestHandler, RequestHandlers } from './request-handlers';

/**
 * What a client listens to: the server's pushes (`on`), the server's requests (`onRequest`) and the
 * connection itself (`onConnection`). WsClient extends it with the connection's lifecycle.
 */
export abstract class ClientListeners<Receives extends object = EventMap> {
  protected readonly serverListeners = new ListenerSet();
  protected readonly connectionListeners = new ListenerSet();
  protected readonly requestHandlers = new RequestHandlers();

  /** Listens to an event the server sends; returns a function that stops listening. */
  on<K extends InboundEventName<Receives>>(event: K, listener: InboundListener<Receives, K>): () => void {
    this.serverListeners.add(event, listener as StoredListener);
    return () => this.off(event, listener);
  }

  off<K extends InboundEventName<Receives>>(event: K, listener: InboundListener<Receives, K>): void {
    this.serverListeners.remove(event, listener as StoredListener);
  }

  /**
   * Answers the server's requests for `event` (`await client.request(event, data)` on the server,
   * like socket.io's `emitWithAck`): what the handler returns or resolves to is the answer. Throw a
   * RequestError to answer with its code; any other throw answers INTERNAL and is reported as a
   * connection 'error'. One handler per event; returns a function that removes it.
   *
   * @example
   * client.onRequest('confirm', async ({ question }) => ({ ok: await ask(question) }));
   */
  onRequest<K extends EventName<Receives>>(event: K, handler: RequestHandler<DataOf<Receives, K>>): () => void {
    this.requestHandlers.set(event, handler as RequestHandler);
    return () => this.requestHandlers.delete(event, handler as RequestHandler);
  }

  /** Listens to the connection itself: open, close, reconnecting, reconnected, state, … */
  onConnection<K extends keyof ConnectionEvents>(event: K, listener: (payload: ConnectionEvents[K]) => void): () => void {
    this.connectionListeners.add(event, listener as StoredListener);
    return () => this.offConnection(event, listener);
  }

  offConnection<K extends keyof ConnectionEvents>(event: K, listener: (payload: ConnectionEvents[K]) => void): void {
    this.connectionListeners.remove(event, listener as StoredListener);
  }

  protected emitConnection<K extends keyof ConnectionEvents>(event: K, payload: ConnectionEvents[K]): void {
    this.connectionListeners.emit(event, payload);
  }
}
