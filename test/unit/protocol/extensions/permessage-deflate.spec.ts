import fc from 'fast-check';
import { parseExtensionOffers } from '../../../../lib/protocol/extensions/extension-header';
import {
  DeflateAgreement,
  negotiatePerMessageDeflate,
  PerMessageDeflateOptions,
} from '../../../../lib/protocol/extensions/permessage-deflate';
import { validateUpgrade, ValidUpgrade } from '../../../../lib/protocol/handshake';

// RFC 7692 §5 and §7.1: the server accepts the first permessage-deflate offer it can honour, in
// the client's order of preference, and answers with exactly the parameters both sides agreed on.

/** What the upgrade listener does: the header values parsed (a malformed header is no offers), then negotiated. */
const negotiate = (header: string | string[], options: PerMessageDeflateOptions = {}): DeflateAgreement | undefined =>
  negotiatePerMessageDeflate(parseExtensionOffers(Array.isArray(header) ? header : [header]) ?? [], options);

const responseTo = (header: string | string[], options: PerMessageDeflateOptions = {}): string | undefined =>
  negotiate(header, options)?.responseHeader;

/** The answer to an offer the defaults accept without changing anything. */
const DEFAULT_RESPONSE = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';
const WINDOW_BITS = [9, 10, 11, 12, 13, 14, 15];
const CLIENT_WINDOW_BITS = [8, ...WINDOW_BITS];

describe('negotiatePerMessageDeflate with the defaults (perMessageDeflate: true)', () => {
  it('accepts an offer without parameters, asks for no context takeover both ways and keeps the 15-bit window', () => {
    expect(negotiate('permessage-deflate')).toEqual({
      responseHeader: DEFAULT_RESPONSE,
      params: {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 15,
        clientMaxWindowBits: 15,
        thresholdBytes: 1024,
        level: 6,
        memLevel: 8,
      },
    });
  });

  it.each([
    ['server_no_context_takeover', 'permessage-deflate; server_no_context_takeover'],
    ['client_no_context_takeover', 'permessage-deflate; client_no_context_takeover'],
    ['both no_context_takeover parameters', 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    ['both no_context_takeover parameters in the other order', 'permessage-deflate; client_no_context_takeover; server_no_context_takeover'],
    ['client_max_window_bits without a value (§7.1.2.2: the server may leave it out)', 'permessage-deflate; client_max_window_bits'],
    ['whitespace around every separator', '  permessage-deflate ;  server_no_context_takeover ; client_no_context_takeover  '],
  ])('accepts an offer with %s, answering with the default parameters', (_case, offer) => {
    expect(responseTo(offer)).toBe(DEFAULT_RESPONSE);
  });

  it.each(WINDOW_BITS)('accepts server_max_window_bits=%d and confirms that window in the response (§7.1.2.1)', (bits) => {
    const agreement = negotiate(`permessage-deflate; server_max_window_bits=${bits}`);

    expect(agreement?.responseHeader).toBe(`${DEFAULT_RESPONSE}; server_max_window_bits=${bits}`);
    expect(agreement?.params.serverMaxWindowBits).toBe(bits);
  });

  it('declines server_max_window_bits=8, a window zlib cannot compress raw deflate with', () => {
    expect(negotiate('permessage-deflate; server_max_window_bits=8')).toBeUndefined();
  });

  it.each(CLIENT_WINDOW_BITS)('accepts client_max_window_bits=%d and confirms it in the response (§7.1.2.2)', (bits) => {
    const agreement = negotiate(`permessage-deflate; client_max_window_bits=${bits}`);

    expect(agreement?.responseHeader).toBe(`${DEFAULT_RESPONSE}; client_max_window_bits=${bits}`);
    expect(agreement?.params.clientMaxWindowBits).toBe(bits);
  });

  it('accepts every parameter at once and names each in the response', () => {
    expect(
      responseTo('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11'),
    ).toBe(`${DEFAULT_RESPONSE}; server_max_window_bits=10; client_max_window_bits=11`);
  });

  it.each([
    ['server_max_window_bits="10"', `${DEFAULT_RESPONSE}; server_max_window_bits=10`],
    ['client_max_window_bits="12"', `${DEFAULT_RESPONSE}; client_max_window_bits=12`],
    ['server_max_window_bits = "9"', `${DEFAULT_RESPONSE}; server_max_window_bits=9`],
  ])('accepts the quoted-string value in %s (§7.1: a value may be a token or a quoted-string)', (param, response) => {
    expect(responseTo(`permessage-deflate; ${param}`)).toBe(response);
  });

  it.each([
    ['server_max_window_bits=16', 'above 15'],
    ['server_max_window_bits=7', 'below 8'],
    ['server_max_window_bits=0', 'zero'],
    ['server_max_window_bits=abc', 'not a number'],
    ['server_max_window_bits=010', 'a leading zero'],
    ['server_max_window_bits=1e1', 'an exponent'],
    ['server_max_window_bits=+9', 'a sign'],
    ['server_max_window_bits="16"', 'quoted and above 15'],
    ['server_max_window_bits', 'no value (§7.1.2.1 requires one)'],
    ['client_max_window_bits=16', 'above 15'],
    ['client_max_window_bits=7', 'below 8'],
    ['client_max_window_bits=abc', 'not a number'],
    ['client_max_window_bits="07"', 'quoted with a leading zero'],
    ['server_no_context_takeover=1', 'a value on a parameter that takes none'],
    ['client_no_context_takeover=true', 'a value on a parameter that takes none'],
    ['client_no_context_takeover="x"', 'a quoted value on a parameter that takes none'],
  ])('declines an offer with %s: %s', (param) => {
    expect(negotiate(`permessage-deflate; ${param}`)).toBeUndefined();
  });

  it.each([
    ['an unknown parameter without a value', 'permessage-deflate; foo'],
    ['an unknown parameter with a value', 'permessage-deflate; foo=1'],
    ['an unknown parameter among known ones', 'permessage-deflate; server_no_context_takeover; x-webkit; client_max_window_bits'],
    ['a known parameter name in another case', 'permessage-deflate; Server_No_Context_Takeover'],
  ])('declines an offer with %s (§7.1: unknown parameters decline the offer)', (_case, offer) => {
    expect(negotiate(offer)).toBeUndefined();
  });

  it.each([
    ['server_no_context_takeover twice', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['client_no_context_takeover twice', 'permessage-deflate; client_no_context_takeover; client_no_context_takeover'],
    ['server_max_window_bits twice with the same value', 'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10'],
    ['server_max_window_bits twice with different values', 'permessage-deflate; server_max_window_bits=10; server_max_window_bits=12'],
    ['client_max_window_bits with and without a value', 'permessage-deflate; client_max_window_bits; client_max_window_bits=10'],
  ])('declines an offer that has %s (§7.1: a duplicated parameter declines the offer)', (_case, offer) => {
    expect(negotiate(offer)).toBeUndefined();
  });

  it.each([
    ['only another extension', 'x-webkit-deflate-frame'],
    ['another extension with parameters', 'deflate-frame; no_context_takeover; max_window_bits=10'],
    ['an empty header', ''],
    ['only empty list elements', ' , ,, '],
  ])('declines a header with %s', (_case, header) => {
    expect(negotiate(header)).toBeUndefined();
  });

  it.each([
    ['a broken first offer', 'permessage-deflate; foo=a b, permessage-deflate'],
    ['an unterminated quote', 'permessage-deflate; server_max_window_bits="10, permessage-deflate'],
    ['an empty parameter', 'permessage-deflate;, permessage-deflate'],
    ['a malformed second header line', ['permessage-deflate', 'per message']],
  ])('declines every offer when the header is malformed: %s', (_case, header) => {
    expect(negotiate(header)).toBeUndefined();
  });
});

describe('negotiatePerMessageDeflate with several offers in preference order', () => {
  it.each([
    [
      'the first insists on server_max_window_bits=8',
      'permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits',
      DEFAULT_RESPONSE,
    ],
    ['the first has an unknown parameter', 'permessage-deflate; foo, permessage-deflate; server_max_window_bits=10', `${DEFAULT_RESPONSE}; server_max_window_bits=10`],
    ['the first has an invalid value', 'permessage-deflate; client_max_window_bits=16, permessage-deflate; client_max_window_bits=9', `${DEFAULT_RESPONSE}; client_max_window_bits=9`],
    ['the first duplicates a parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate', DEFAULT_RESPONSE],
    ['the first is another extension', 'x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=12', `${DEFAULT_RESPONSE}; server_max_window_bits=12`],
  ])('accepts the second offer when %s', (_case, header, response) => {
    expect(responseTo(header)).toBe(response);
  });

  it('accepts the first acceptable offer even when a later one asks for less', () => {
    expect(responseTo('permessage-deflate; server_max_window_bits=10, permessage-deflate')).toBe(`${DEFAULT_RESPONSE}; server_max_window_bits=10`);
  });

  it('reads offers across several header lines, in order', () => {
    expect(responseTo(['permessage-deflate; server_max_window_bits=8', 'permessage-deflate; server_max_window_bits=11'])).toBe(
      `${DEFAULT_RESPONSE}; server_max_window_bits=11`,
    );
  });

  it('declines when no offer can be accepted', () => {
    expect(negotiate('permessage-deflate; server_max_window_bits=8, permessage-deflate; foo, x-webkit-deflate-frame')).toBeUndefined();
  });
});

describe('negotiatePerMessageDeflate with gateway options', () => {
  it('keeps its compression context when serverNoContextTakeover is false and the client did not ask otherwise', () => {
    const agreement = negotiate('permessage-deflate', { serverNoContextTakeover: false });

    expect(agreement?.responseHeader).toBe('permessage-deflate; client_no_context_takeover');
    expect(agreement?.params.serverNoContextTakeover).toBe(false);
  });

  it('honours server_no_context_takeover from the client even when serverNoContextTakeover is false (§7.1.1.1)', () => {
    const agreement = negotiate('permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: false });

    expect(agreement?.responseHeader).toBe(DEFAULT_RESPONSE);
    expect(agreement?.params.serverNoContextTakeover).toBe(true);
  });

  it('lets the client keep its context when clientNoContextTakeover is false', () => {
    const agreement = negotiate('permessage-deflate', { clientNoContextTakeover: false });

    expect(agreement?.responseHeader).toBe('permessage-deflate; server_no_context_takeover');
    expect(agreement?.params.clientNoContextTakeover).toBe(false);
  });

  it('answers with no parameter at all when both sides keep their context', () => {
    expect(responseTo('permessage-deflate; client_max_window_bits', { serverNoContextTakeover: false, clientNoContextTakeover: false })).toBe(
      'permessage-deflate',
    );
  });

  it('announces a smaller server window the client did not ask for (§7.1.2.1 allows it)', () => {
    const agreement = negotiate('permessage-deflate', { serverMaxWindowBits: 9 });

    expect(agreement?.responseHeader).toBe(`${DEFAULT_RESPONSE}; server_max_window_bits=9`);
    expect(agreement?.params.serverMaxWindowBits).toBe(9);
  });

  it.each([
    [12, 10, 10],
    [10, 12, 10],
    [9, 15, 9],
    [15, 9, 9],
  ])('answers server_max_window_bits=%d offered to a gateway with serverMaxWindowBits %d with the smaller, %d', (offered, ours, agreed) => {
    const agreement = negotiate(`permessage-deflate; server_max_window_bits=${offered}`, { serverMaxWindowBits: ours });

    expect(agreement?.responseHeader).toBe(`${DEFAULT_RESPONSE}; server_max_window_bits=${agreed}`);
    expect(agreement?.params.serverMaxWindowBits).toBe(agreed);
  });

  it.each([
    ['client_max_window_bits', 10, 10],
    ['client_max_window_bits=12', 10, 10],
    ['client_max_window_bits=9', 10, 9],
    ['client_max_window_bits', 8, 8],
  ])('answers %s to a gateway with clientMaxWindowBits %d with client_max_window_bits=%d', (param, ours, agreed) => {
    const agreement = negotiate(`permessage-deflate; ${param}`, { clientMaxWindowBits: ours });

    expect(agreement?.responseHeader).toBe(`${DEFAULT_RESPONSE}; client_max_window_bits=${agreed}`);
    expect(agreement?.params.clientMaxWindowBits).toBe(agreed);
  });

  it('never names client_max_window_bits when the client did not offer it (§7.1.2.2), whatever the gateway wants', () => {
    const agreement = negotiate('permessage-deflate', { clientMaxWindowBits: 10 });

    expect(agreement?.responseHeader).toBe(DEFAULT_RESPONSE);
    expect(agreement?.params.clientMaxWindowBits).toBe(15);
  });

  it('passes the threshold, level and memLevel through to the agreed parameters', () => {
    expect(negotiate('permessage-deflate', { thresholdBytes: 0, level: 1, memLevel: 4 })?.params).toMatchObject({ thresholdBytes: 0, level: 1, memLevel: 4 });
  });
});

describe('negotiatePerMessageDeflate: the response names exactly the agreed parameters', () => {
  type Param = [name: string, value: string | true];
  const KNOWN = ['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'];
  const bitsValue = fc.oneof(fc.integer({ min: 0, max: 17 }).map(String), fc.constantFrom('abc', '010', '1e1', ''));
  const param: fc.Arbitrary<Param> = fc.oneof(
    fc.tuple(fc.constantFrom(...KNOWN), fc.constant<true>(true)),
    fc.tuple(fc.constantFrom(...KNOWN), bitsValue),
    fc.tuple(fc.constantFrom('foo', 'x-webkit'), fc.constant<true>(true)),
  );
  const offerParams = fc.array(param, { maxLength: 5 });
  const gatewayOptions: fc.Arbitrary<PerMessageDeflateOptions> = fc.record(
    {
      serverNoContextTakeover: fc.boolean(),
      clientNoContextTakeover: fc.boolean(),
      serverMaxWindowBits: fc.integer({ min: 9, max: 15 }),
      clientMaxWindowBits: fc.integer({ min: 8, max: 15 }),
    },
    { requiredKeys: [] },
  );
  const render = (params: Param[], quote: boolean): string =>
    ['permessage-deflate', ...params.map(([name, value]) => (value === true ? name : `${name}=${quote && value !== '' ? `"${value}"` : value}`))].join('; ');

  /** RFC 7692 §7.1, written out independently: the offer is accepted exactly when this holds. */
  const isAcceptable = (params: Param[], options: PerMessageDeflateOptions): boolean => {
    const names = params.map(([name]) => name);
    if (new Set(names).size !== names.length) return false;
    const valid = /^(?:[89]|1[0-5])$/;
    for (const [name, value] of params) {
      if (!KNOWN.includes(name)) return false;
      if (name.endsWith('no_context_takeover') && value !== true) return false;
      if (name === 'server_max_window_bits' && (value === true || !valid.test(value))) return false;
      if (name === 'client_max_window_bits' && value !== true && !valid.test(value)) return false;
    }
    const offeredServerBits = params.find(([name]) => name === 'server_max_window_bits')?.[1];
    const serverBits = Math.min(offeredServerBits === undefined ? 15 : Number(offeredServerBits), options.serverMaxWindowBits ?? 15);
    return serverBits >= 9; // zlib has no raw deflate with an 8-bit window
  };

  it('accepts exactly the valid offers, and each response agrees with the offer, the options and the parameters', () => {
    fc.assert(
      fc.property(offerParams, gatewayOptions, fc.boolean(), (params, options, quote) => {
        const agreement = negotiate(render(params, quote), options);
        expect(agreement !== undefined).toBe(isAcceptable(params, options));
        if (!agreement) return;

        const offered = new Map(params);
        const offers = parseExtensionOffers([agreement.responseHeader]);
        expect(offers).toHaveLength(1);
        const [response] = offers ?? [];
        expect(response.name).toBe('permessage-deflate');
        const answered = new Map(Object.entries(response.params));
        const { params: agreed } = agreement;

        // §7.1.1: a no_context_takeover the client asked for is confirmed; the server may add its own.
        expect(answered.get('server_no_context_takeover')).toBe(agreed.serverNoContextTakeover ? true : undefined);
        expect(answered.get('client_no_context_takeover')).toBe(agreed.clientNoContextTakeover ? true : undefined);
        if (offered.has('server_no_context_takeover')) expect(agreed.serverNoContextTakeover).toBe(true);
        expect(agreed.serverNoContextTakeover).toBe(offered.has('server_no_context_takeover') || (options.serverNoContextTakeover ?? true));
        expect(agreed.clientNoContextTakeover).toBe(offered.has('client_no_context_takeover') || (options.clientNoContextTakeover ?? true));

        // §7.1.2.1: the server window is at most what the client allowed, and at most the gateway's.
        const serverBits = answered.get('server_max_window_bits');
        expect(serverBits === undefined ? 15 : Number(serverBits)).toBe(agreed.serverMaxWindowBits);
        if (offered.has('server_max_window_bits')) expect(serverBits).toBeDefined();
        if (serverBits !== undefined && offered.has('server_max_window_bits')) {
          expect(Number(serverBits)).toBeLessThanOrEqual(Number(offered.get('server_max_window_bits')));
        }
        expect(agreed.serverMaxWindowBits).toBeLessThanOrEqual(options.serverMaxWindowBits ?? 15);

        // §7.1.2.2: client_max_window_bits only when offered, never above the offered value.
        const clientBits = answered.get('client_max_window_bits');
        if (!offered.has('client_max_window_bits')) expect(clientBits).toBeUndefined();
        expect(clientBits === undefined ? 15 : Number(clientBits)).toBe(agreed.clientMaxWindowBits);
        const offeredClientBits = offered.get('client_max_window_bits');
        if (typeof offeredClientBits === 'string') expect(agreed.clientMaxWindowBits).toBeLessThanOrEqual(Number(offeredClientBits));
        if (offered.has('client_max_window_bits') && options.clientMaxWindowBits !== undefined) {
          expect(agreed.clientMaxWindowBits).toBeLessThanOrEqual(options.clientMaxWindowBits);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('negotiatePerMessageDeflate against a pathological Sec-WebSocket-Extensions header', () => {
  const validLast = ', permessage-deflate';
  it.each([
    ['5,000 offers', Array.from({ length: 5000 }, () => 'permessage-deflate; foo').join(', ') + validLast],
    ['5,000 valid offers', Array.from({ length: 5000 }, () => 'permessage-deflate').join(', ')],
    ['5,000 unknown extensions before a valid offer', Array.from({ length: 5000 }, (_, i) => `x-ext-${i}`).join(', ') + validLast],
    ['a 100 KB parameter value', `permessage-deflate; server_max_window_bits=${'1'.repeat(100_000)}`],
    ['a 100 KB quoted value', `permessage-deflate; server_max_window_bits="${'9'.repeat(100_000)}"`],
    ['a 100 KB unterminated quoted value', `permessage-deflate; server_max_window_bits="${'a,'.repeat(50_000)}`],
    ['a 100 KB run of backslashes in quotes', `permessage-deflate; p="${'\\'.repeat(100_000)}"`],
    ['a 100 KB parameter name', `permessage-deflate; ${'x'.repeat(100_000)}`],
    ['5,000 parameters in one offer', `permessage-deflate${'; server_no_context_takeover'.repeat(5000)}`],
    ['5,000 distinct unknown parameters', `permessage-deflate${Array.from({ length: 5000 }, (_, i) => `; p${i}=${i}`).join('')}`],
    ['100 KB of quotes', `permessage-deflate; p=${'"'.repeat(100_000)}`],
  ])('declines %s', (_case, header) => {
    expect(negotiate(header)).toBeUndefined();
  });

  it('still accepts the upgrade itself, with deflate declined, when the header holds 5,000 offers', () => {
    const header = Array.from({ length: 5000 }, () => 'permessage-deflate').join(', ');
    const upgrade = validateUpgrade({
      method: 'GET',
      httpVersion: '1.1',
      rawHeaders: [
        'Host', 'example.test',
        'Upgrade', 'websocket',
        'Connection', 'Upgrade',
        'Sec-WebSocket-Version', '13',
        'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Extensions', header,
      ],
    }) as ValidUpgrade;

    expect(upgrade.extensionOffers).toEqual([]);
    expect(negotiatePerMessageDeflate(upgrade.extensionOffers, {})).toBeUndefined();
  });
});
