/**
 * Thrown by a broadcast to a retained room when the history's store (Redis, or a cluster's
 * primary) cannot take the message: it was delivered to this node's members only, without an offset.
 */
export class HistoryUnavailableError extends Error {}
