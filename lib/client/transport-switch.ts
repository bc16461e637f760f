import { FallbackClientOptions } from './client-options';
import { WebSocketConstructor, WebSocketLike } from './web-socket-like';

/** How the client reaches the gateway: a WebSocket, or the HTTP fallback (server-sent events down, POST up). */
export type TransportKind = 'websocket' | 'sse';

/**
 * Which transport the next attempt uses. A WebSocket that fails before it opens (a proxy refused
 * the upgrade) sends the client to the fallback at once; a fallback that fails before it opens
 * (the gateway does not serve it) sends it back to WebSocket, after the usual backoff. On the
 * fallback a WebSocket is probed now and then (doubling delays); once one opens, the client moves up.
 */
export class TransportSwitch {
  current: TransportKind;
  private probeDelayMs: number;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private probe: WebSocketLike | undefined;
  /** The next attempt changes transport on purpose: it goes without a backoff delay. */
  private isSwitchPending = false;

  constructor(
    private readonly WebSocket: WebSocketConstructor | undefined,
    private readonly fallback: FallbackClientOptions | false,
    /** A probe opened: the caller ends the fallback session, and the next attempt is a WebSocket. */
    private readonly onProbeOpened: () => void,
  ) {
    this.current = WebSocket ? 'websocket' : 'sse';
    this.probeDelayMs = fallback ? fallback.probeDelayMs : 0;
  }

  /** A socket opened; on the fallback, probing starts. */
  opened(socketUrl: () => string, protocols: string | string[] | undefined): void {
    if (this.current === 'websocket' || !this.fallback) {
      this.probeDelayMs = this.fallback ? this.fallback.probeDelayMs : 0;
      return;
    }
    this.scheduleProbe(socketUrl, protocols);
  }

  /** The socket closed: `wasOpen` false when the attempt failed. */
  closed(wasOpen: boolean): void {
    this.stopProbing();
    if (wasOpen || !this.fallback) return;
    if (this.current === 'websocket') {
      this.current = 'sse';
      this.isSwitchPending = true;
    } else if (this.WebSocket) {
      this.current = 'websocket';
    }
  }

  /** True once after a switch on purpose (to the fallback, or up after a probe). */
  takeSwitchPending(): boolean {
    const isPending = this.isSwitchPending;
    this.isSwitchPending = false;
    return isPending;
  }

  stopProbing(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const probe = this.probe;
    this.probe = undefined;
    if (probe && probe.readyState < 2) probe.close(1000);
  }

  private scheduleProbe(socketUrl: () => string, protocols: string | string[] | undefined): void {
    const { WebSocket, fallback } = this;
    if (!WebSocket || !fallback) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      let probe: WebSocketLike;
      try {
        probe = new WebSocket(socketUrl(), protocols);
      } catch {
        return; // a URL the platform refuses now will not be better later
      }
      this.probe = probe;
      probe.addEventListener('error', () => undefined);
      probe.addEventListener('open', () => {
        if (this.probe !== probe) return;
        this.probe = undefined;
        probe.close(1000);
        this.current = 'websocket';
        this.isSwitchPending = true;
        this.probeDelayMs = fallback.probeDelayMs;
        this.onProbeOpened();
      });
      probe.addEventListener('close', () => {
        if (this.probe !== probe) return; // opened, or stopped
        this.probe = undefined;
        this.probeDelayMs = Math.min(this.probeDelayMs * 2, fallback.maxProbeDelayMs);
        this.scheduleProbe(socketUrl, protocols);
      });
    }, this.probeDelayMs);
  }
}
