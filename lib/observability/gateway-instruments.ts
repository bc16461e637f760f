import { GatewayStats } from './gateway-stats';
import { WsTracing } from './tracing/ws-tracing';

/** What one gateway's host and dispatcher report to: its counters, and spans when tracing is on. */
export interface GatewayInstruments {
  stats: GatewayStats;
  tracing: WsTracing | undefined;
}
