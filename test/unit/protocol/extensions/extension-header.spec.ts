import { parseExtensionOffers } from '../../../../lib/protocol/extensions/extension-header';

describe('parseExtensionOffers', () => {
  it('reads a list of offers with a parameter that has no value', () => {
    expect(parseExtensionOffers(['permessage-deflate; client_max_window_bits, x-webkit-deflate-frame'])).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true } },
      { name: 'x-webkit-deflate-frame', params: {} },
    ]);
  });

  it('reads token values and quoted values', () => {
    expect(parseExtensionOffers(['permessage-deflate; server_max_window_bits=10; client_max_window_bits="12"'])).toEqual([
      { name: 'permessage-deflate', params: { server_max_window_bits: '10', client_max_window_bits: '12' } },
    ]);
  });

  it('unescapes a quoted value', () => {
    expect(parseExtensionOffers(['ext; p="a\\bc"'])).toEqual([{ name: 'ext', params: { p: 'abc' } }]);
  });

  it('keeps separators inside quotes from splitting the list', () => {
    expect(parseExtensionOffers(['ext; p="a,b"'])).toBeUndefined(); // a,b is one value, and not a token
    expect(parseExtensionOffers(['ext; p="x;y"'])).toBeUndefined();
  });

  it('allows whitespace around separators and equals signs', () => {
    expect(parseExtensionOffers(['  permessage-deflate ;  client_max_window_bits = 15 ,foo'])).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: '15' } },
      { name: 'foo', params: {} },
    ]);
  });

  it('reads offers across several header values, in order', () => {
    expect(parseExtensionOffers(['a', 'b; x, c'])).toEqual([
      { name: 'a', params: {} },
      { name: 'b', params: { x: true } },
      { name: 'c', params: {} },
    ]);
  });

  it('ignores empty list elements', () => {
    expect(parseExtensionOffers([', a ,, b ,'])).toEqual([
      { name: 'a', params: {} },
      { name: 'b', params: {} },
    ]);
    expect(parseExtensionOffers([''])).toEqual([]);
    expect(parseExtensionOffers([])).toEqual([]);
  });

  it('gives parameters an object without a prototype, so "__proto__" is just a name', () => {
    const offers = parseExtensionOffers(['ext; __proto__=x; constructor']);

    expect(offers?.[0].params['__proto__']).toBe('x');
    expect(offers?.[0].params['constructor']).toBe(true);
    expect(Object.getPrototypeOf(offers?.[0].params)).toBeNull();
  });

  it.each([
    ['an empty extension name', '; p=1'],
    ['a name with a space', 'per message'],
    ['a name with a slash', 'a/b'],
    ['an empty parameter', 'ext;'],
    ['a parameter without a name', 'ext; =1'],
    ['an empty value', 'ext; p='],
    ['a value with a space', 'ext; p=a b'],
    ['an unterminated quoted value', 'ext; p="10'],
    ['a lone quote', 'ext; p="'],
    ['an empty quoted value', 'ext; p=""'],
    ['a quoted value that is not a token', 'ext; p="a b"'],
    ['a parameter name with a space', 'ext; a b=1'],
  ])('returns undefined for %s: %j', (_name, value) => {
    expect(parseExtensionOffers([value])).toBeUndefined();
  });

  it('returns undefined when any one of several header values is malformed', () => {
    expect(parseExtensionOffers(['permessage-deflate', 'bad name'])).toBeUndefined();
  });
});
