// The data of `$resume` and of its reply (docs/history.md).

/** Rooms a `$resume` may name: the client sends at most this many, the server answers more with BAD_MESSAGE. */
// Each room costs a join and a history read: far above what one connection follows, far below a flood.
export const MAX_RESUME_ROOMS = 1000;

/** Where a client is in a room's history. */
export interface RoomPosition {
  offset: number;
  epoch: string;
}

/** What a client presents to resume: its session, and the newest position it got in each retained room. */
export interface ResumeRequest {
  session: string;
  /** Rooms the client got nothing from yet are left out: the replay then starts where the room stood at the join. */
  rooms?: Record<string, RoomPosition>;
}

/** How one retained room came back after a reconnection. */
export interface RoomRecovery extends RoomPosition {
  /** Every missed message was replayed; false: the gap is no longer in the history (reload the room's state). */
  recovered: boolean;
  /** Messages replayed. */
  replayed: number;
}

/** The `data` of the reply to `$resume`. */
export interface ResumeReply {
  /**
   * The id to keep: this connection's own (the one its `$session` push named). A restored session
   * moves to it, and the id that was presented is forgotten, so only the newest id resumes.
   */
  session: string;
  /** False when the session had expired or was unknown: nothing was restored, and rooms must be joined again. */
  restored: boolean;
  rooms: Record<string, RoomRecovery>;
}
