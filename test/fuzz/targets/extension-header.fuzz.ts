// Fuzz target: the Sec-WebSocket-Extensions grammar (lib/protocol/extensions/extension-header.ts)
// and permessage-deflate negotiation (lib/protocol/extensions/permessage-deflate.ts).
//
// Input: byte 0 picks the server's deflate options; the rest (latin1) is split on LF into header
// values, as a request with several Sec-WebSocket-Extensions lines would give them.
//
// Invariants: nothing throws; offers are at most 64 with token names, token keys and token values,
// and survive being written out and parsed again; an agreement comes from the first offer that
// can be honoured and keeps RFC 7692's promises (window bits within what both sides allow, no
// client_max_window_bits the client did not offer, the client's no_context_takeover honoured); its
// response header parses back to exactly the agreed parameters.
import { ExtensionOffer, MAX_EXTENSION_OFFERS, parseExtensionOffers } from '../../../lib/protocol/extensions/extension-header';
import { DeflateAgreement, negotiatePerMessageDeflate, PerMessageDeflateOptions } from '../../../lib/protocol/extensions/permessage-deflate';
import { invariant, mustNotThrow } from '../invariant';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SERVER_BITS = [undefined, 9, 10, 12, 15, 11, 13, 14];
const CLIENT_BITS = [undefined, 8, 9, 15];
const KNOWN_PARAMS = new Set(['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits']);

export function fuzz(data: Buffer): void {
  if (data.length < 1) return;
  const mode = data[0];
  const options: PerMessageDeflateOptions = {
    serverNoContextTakeover: (mode & 1) === 0,
    clientNoContextTakeover: (mode & 2) === 0,
    serverMaxWindowBits: SERVER_BITS[(mode >> 2) & 7],
    clientMaxWindowBits: CLIENT_BITS[(mode >> 5) & 3],
  };
  const values = data.subarray(1).toString('latin1').split('\n');
  const offers = mustNotThrow('parseExtensionOffers', () => parseExtensionOffers(values));
  if (offers === undefined) return;
  checkOffers(offers);

  const agreement = mustNotThrow('negotiatePerMessageDeflate', () => negotiatePerMessageDeflate(offers, options));
  const chosen = offers.find((offer) => negotiatePerMessageDeflate([offer], options) !== undefined);
  invariant((agreement === undefined) === (chosen === undefined), () => 'the agreement does not come from the first offer that can be honoured');
  if (agreement && chosen) checkAgreement(agreement, chosen, options);
}

function checkOffers(offers: ExtensionOffer[]): void {
  invariant(offers.length <= MAX_EXTENSION_OFFERS, () => `${offers.length} offers`);
  for (const offer of offers) {
    invariant(TOKEN.test(offer.name), () => `offer name ${JSON.stringify(offer.name)}`);
    for (const [key, value] of Object.entries(offer.params)) {
      invariant(TOKEN.test(key) && (value === true || TOKEN.test(value)), () => `parameter ${JSON.stringify(key)}=${JSON.stringify(value)}`);
    }
  }
  if (offers.some((offer) => offer.hasDuplicateParam)) return; // written out, the duplicate would be gone
  const written = offers.map((offer) => [offer.name, ...Object.entries(offer.params).map(([key, value]) => (value === true ? key : `${key}=${value}`))].join('; ')).join(', ');
  const reparsed = parseExtensionOffers([written]);
  invariant(JSON.stringify(reparsed) === JSON.stringify(offers), () => `offers changed when written out and parsed again: ${written}`);
}

function checkAgreement({ params, responseHeader }: DeflateAgreement, offer: ExtensionOffer, options: PerMessageDeflateOptions): void {
  invariant(JSON.stringify(negotiatePerMessageDeflate([offer], options)) === JSON.stringify({ params, responseHeader }), () => 'the agreement differs from the chosen offer alone');
  const offered = offer.params;
  invariant(params.serverMaxWindowBits >= 9 && params.serverMaxWindowBits <= (options.serverMaxWindowBits ?? 15), () => `server window ${params.serverMaxWindowBits}`);
  if (typeof offered.server_max_window_bits === 'string') {
    invariant(params.serverMaxWindowBits <= Number(offered.server_max_window_bits), () => `server window ${params.serverMaxWindowBits} past the client's ${offered.server_max_window_bits}`);
  }
  invariant(params.clientMaxWindowBits >= 8 && params.clientMaxWindowBits <= 15, () => `client window ${params.clientMaxWindowBits}`);
  if (offered.server_no_context_takeover === true) invariant(params.serverNoContextTakeover, () => 'the client asked for server_no_context_takeover and did not get it');

  const [response, ...more] = parseExtensionOffers([responseHeader]) ?? [];
  invariant(response !== undefined && more.length === 0 && response.name === 'permessage-deflate' && !response.hasDuplicateParam, () => `response header ${responseHeader}`);
  const answered = response.params;
  invariant(Object.keys(answered).every((key) => KNOWN_PARAMS.has(key)), () => `unknown parameter in ${responseHeader}`);
  invariant((answered.server_no_context_takeover === true) === params.serverNoContextTakeover, () => `${responseHeader} vs serverNoContextTakeover ${params.serverNoContextTakeover}`);
  invariant((answered.client_no_context_takeover === true) === params.clientNoContextTakeover, () => `${responseHeader} vs clientNoContextTakeover ${params.clientNoContextTakeover}`);
  if (answered.server_max_window_bits !== undefined) invariant(answered.server_max_window_bits === String(params.serverMaxWindowBits), () => `${responseHeader} vs server window ${params.serverMaxWindowBits}`);
  // RFC 7692 §7.1.2.2: the server names client_max_window_bits only when the client offered it.
  if (answered.client_max_window_bits !== undefined) {
    invariant(offered.client_max_window_bits !== undefined, () => `${responseHeader} names client_max_window_bits, which was not offered`);
    invariant(answered.client_max_window_bits === String(params.clientMaxWindowBits), () => `${responseHeader} vs client window ${params.clientMaxWindowBits}`);
  }
}
