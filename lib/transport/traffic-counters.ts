/**
 * Traffic totals that every Connection of one route bumps: plain integer fields, so the
 * per-message cost is an increment, with no allocation and no clock read.
 */
export interface TrafficCounters {
  /** Complete inbound data messages (after reassembly and inflation). */
  messagesIn: number;
  /** Bytes read from the socket after the handshake: frames with their headers, as sent (compressed). */
  bytesIn: number;
  /** Data messages handed to the socket. */
  messagesOut: number;
  /** Bytes handed to the socket after the handshake: data and control frames with their headers. */
  bytesOut: number;
  /** Outbound messages discarded by the 'drop' overflow policy. */
  droppedOverflow: number;
  /** Connections closed with 1008 because their peer did not read fast enough. */
  slowConsumerCloses: number;
}

/** A fresh set of counters at zero. */
export const newTrafficCounters = (): TrafficCounters => ({
  messagesIn: 0,
  bytesIn: 0,
  messagesOut: 0,
  bytesOut: 0,
  droppedOverflow: 0,
  slowConsumerCloses: 0,
});
