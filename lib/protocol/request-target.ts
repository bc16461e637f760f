/** RFC 9112 §3.2.2 absolute form, allowed by RFC 6455 §4.2.1: a scheme and an authority before the path. */
const ABSOLUTE_FORM_PREFIX = /^(?:wss?|https?):\/\/([^/?]*)/i;
const SLASH = 0x2f;

/** The scheme and authority (group 1) that start an absolute-form target; null for origin form ("/echo?x"), which costs no regex. */
export const absoluteFormPrefix = (target: string): RegExpExecArray | null => (target.charCodeAt(0) === SLASH ? null : ABSOLUTE_FORM_PREFIX.exec(target));
