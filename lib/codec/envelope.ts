import { Envelope } from '../wire/envelope';

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };
