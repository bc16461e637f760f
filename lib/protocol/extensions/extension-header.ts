// RFC 6455 §9.1 grammar of Sec-WebSocket-Extensions:
//   extension-list = 1#extension;  extension = token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]

export interface ExtensionOffer {
  name: string;
  /** A parameter without a value is `true`. */
  params: Record<string, string | true>;
  /** RFC 7692 §7.1: an offer that names a parameter twice must be declined. */
  hasDuplicateParam?: true;
}

/** More offers than any client makes: the header is treated as malformed (and parsing stays linear). */
export const MAX_EXTENSION_OFFERS = 64;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Parses every offer in the header values, in order; returns undefined when the grammar is broken. */
export function parseExtensionOffers(values: readonly string[]): ExtensionOffer[] | undefined {
  const offers: ExtensionOffer[] = [];
  for (const value of values) {
    for (const item of splitOutsideQuotes(value, ',')) {
      if (item.trim() === '') continue; // §7 of RFC 7230: empty list elements are ignored
      const [nameRaw, ...paramParts] = splitOutsideQuotes(item, ';');
      const name = nameRaw.trim();
      if (!TOKEN.test(name)) return undefined;
      const params: Record<string, string | true> = Object.create(null);
      let hasDuplicateParam = false;
      for (const part of paramParts) {
        const param = parseParam(part);
        if (!param) return undefined;
        if (param.key in params) hasDuplicateParam = true;
        params[param.key] = param.value;
      }
      offers.push(hasDuplicateParam ? { name, params, hasDuplicateParam: true } : { name, params });
      if (offers.length > MAX_EXTENSION_OFFERS) return undefined;
    }
  }
  return offers;
}

function parseParam(part: string): { key: string; value: string | true } | undefined {
  const eq = part.indexOf('=');
  const key = (eq === -1 ? part : part.slice(0, eq)).trim();
  if (!TOKEN.test(key)) return undefined;
  if (eq === -1) return { key, value: true };
  let value = part.slice(eq + 1).trim();
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return undefined;
    value = value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return TOKEN.test(value) ? { key, value } : undefined;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let isQuoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && isQuoted) i++;
    else if (c === '"') isQuoted = !isQuoted;
    else if (c === separator && !isQuoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
