// Event names the library itself sends or answers; a gateway's own events should not use them.

/** The server's answer to what failed: `{"event":"error","data":ErrorBody,"id":7}`. */
export const ERROR_EVENT = 'error';

/** Presence changes of a room: `{"event":"presence","data":{room,action,id,meta}}`. */
export const PRESENCE_EVENT = 'presence';

/** The server's first push on a connection with sessions: `{"event":"$session","data":{"id":"…"}}`. */
export const SESSION_EVENT = '$session';

/** A client's first message, to resume a session: `{"event":"$resume","data":ResumeRequest,"id":1}`; the reply carries ResumeReply. */
export const RESUME_EVENT = '$resume';

/** The client's first message on a gateway with `authMessage`: `{"event":"$auth","data":<auth>,"id":1}`. */
export const AUTH_EVENT = '$auth';
