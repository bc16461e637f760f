import { ExtensionOffer } from './extension-header';

// RFC 7692: the permessage-deflate extension. This file decides what to agree to; transport/
// does the zlib work.

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What a gateway accepts and asks for (all optional; the defaults keep memory per connection low). */
export interface PerMessageDeflateOptions {
  /** Compress each message on its own, so no zlib context is kept between them. Default true. */
  serverNoContextTakeover?: boolean;
  /** Ask the client to do the same, so no inflate context is kept either. Default true. */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window we compress with, 9–15 (zlib cannot make raw deflate with 8). Default 15. */
  serverMaxWindowBits?: number;
  /** Window we ask the client to stay within, when it offers client_max_window_bits; 8–15. Default: none asked. */
  clientMaxWindowBits?: number;
  /** Messages smaller than this are sent uncompressed. Default 1024 bytes. */
  thresholdBytes?: number;
  /** zlib compression level 0–9. Default 6. */
  level?: number;
  /** zlib memLevel 1–9 (memory per deflate context). Default 8. */
  memLevel?: number;
}

/** The parameters both sides agreed on, for one connection. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** Window we compress with. */
  serverMaxWindowBits: number;
  /** Window the client compresses with (we always inflate with 15, which reads any smaller window). */
  clientMaxWindowBits: number;
  thresholdBytes: number;
  level: number;
  memLevel: number;
}

export interface DeflateAgreement {
  params: DeflateParams;
  /** The Sec-WebSocket-Extensions value of the 101: exactly the agreed parameters. */
  responseHeader: string;
}

const WINDOW_BITS = /^(?:8|9|1[0-5])$/;
const KNOWN_PARAMS = new Set(['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits']);

/**
 * RFC 7692 §5, §7.1: accepts the first permessage-deflate offer we can honour, in the client's
 * order of preference; an offer with an unknown, duplicated or invalid parameter is declined.
 */
export function negotiatePerMessageDeflate(offers: readonly ExtensionOffer[], options: PerMessageDeflateOptions): DeflateAgreement | undefined {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE || offer.hasDuplicateParam) continue;
    const agreement = agreeTo(offer.params, options);
    if (agreement) return agreement;
  }
  return undefined;
}

function agreeTo(params: Record<string, string | true>, options: PerMessageDeflateOptions): DeflateAgreement | undefined {
  for (const name of Object.keys(params)) if (!KNOWN_PARAMS.has(name)) return undefined;
  const { server_no_context_takeover: serverNoTakeover, client_no_context_takeover: clientNoTakeover } = params;
  // §7.1.1.1, §7.1.1.2: these take no value.
  if ((serverNoTakeover !== undefined && serverNoTakeover !== true) || (clientNoTakeover !== undefined && clientNoTakeover !== true)) return undefined;

  const offeredServerBits = params.server_max_window_bits;
  const offeredClientBits = params.client_max_window_bits;
  // §7.1.2.1: server_max_window_bits needs a value; §7.1.2.2: client_max_window_bits may have none.
  if (offeredServerBits !== undefined && (offeredServerBits === true || !WINDOW_BITS.test(offeredServerBits))) return undefined;
  if (offeredClientBits !== undefined && offeredClientBits !== true && !WINDOW_BITS.test(offeredClientBits)) return undefined;

  const ourServerBits = options.serverMaxWindowBits ?? 15;
  const serverMaxWindowBits = offeredServerBits === undefined ? ourServerBits : Math.min(Number(offeredServerBits), ourServerBits);
  // zlib's raw deflate cannot use a 256-byte window: an offer that insists on 8 is declined.
  if (serverMaxWindowBits < 9) return undefined;

  const serverNoContextTakeover = serverNoTakeover === true || (options.serverNoContextTakeover ?? true);
  // §7.1.1.2: the server may ask for client_no_context_takeover even when the client did not offer it.
  const clientNoContextTakeover = clientNoTakeover === true || (options.clientNoContextTakeover ?? true);
  // §7.1.2.2: we may only name client_max_window_bits when the client offered it.
  const offeredClientLimit = offeredClientBits === undefined || offeredClientBits === true ? 15 : Number(offeredClientBits);
  const clientMaxWindowBits = offeredClientBits === undefined ? 15 : Math.min(offeredClientLimit, options.clientMaxWindowBits ?? offeredClientLimit);

  const response = [PERMESSAGE_DEFLATE];
  if (serverNoContextTakeover) response.push('server_no_context_takeover');
  if (clientNoContextTakeover) response.push('client_no_context_takeover');
  if (offeredServerBits !== undefined || serverMaxWindowBits < 15) response.push(`server_max_window_bits=${serverMaxWindowBits}`);
  if (offeredClientBits !== undefined && (offeredClientBits !== true || options.clientMaxWindowBits !== undefined)) {
    response.push(`client_max_window_bits=${clientMaxWindowBits}`);
  }
  return {
    params: {
      serverNoContextTakeover,
      clientNoContextTakeover,
      serverMaxWindowBits,
      clientMaxWindowBits,
      thresholdBytes: options.thresholdBytes ?? 1024,
      level: options.level ?? 6,
      memLevel: options.memLevel ?? 8,
    },
    responseHeader: response.join('; '),
  };
}
