import { EventCodec } from '../codec/event-codec.interface';
import { encodeEnvelope } from '../session/outbound-frames';
import { PRESENCE_EVENT } from '../wire/reserved-events';
import { PresenceEncoder } from './presence-store.interface';

/** Presence changes as envelopes of the given codec. */
export const presenceEncoder =
  (codec: EventCodec): PresenceEncoder =>
  (change) =>
    encodeEnvelope(codec, { event: PRESENCE_EVENT, data: change });
