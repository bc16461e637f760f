// permessage-deflate parameters as a handshake agrees them (RFC 7692 §7.1), for tests that make a
// Connection without one: the library's defaults, with or without context takeover both ways.
import { DeflateParams } from '../../lib/protocol/extensions/permessage-deflate';

export const deflateParams = (isContextTakeover: boolean, overrides: Partial<DeflateParams> = {}): DeflateParams => ({
  serverNoContextTakeover: !isContextTakeover,
  clientNoContextTakeover: !isContextTakeover,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  thresholdBytes: 1024,
  level: 6,
  memLevel: 8,
  ...overrides,
});
