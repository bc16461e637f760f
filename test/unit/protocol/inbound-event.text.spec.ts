import { textEvent } from '../../../lib/protocol/inbound-event';

/**
 * textEvent decodes ASCII with latin1 (cheaper) below Node's external-string size and with UTF-8 from
 * it: either way the text is the payload's, and from 2 KiB the event keeps the bytes it came from.
 */
describe('textEvent', () => {
  // Around 0xFBEE9, where Node's latin1 decoding would make an external string.
  const sizes = [0, 1, 2047, 2048, 64 * 1024, 0xfbee9 - 1, 0xfbee9, 1 << 20, (1 << 20) + 3];

  it.each(sizes)('decodes %i ASCII bytes to the same text, whichever decoder is used', (bytes) => {
    const utf8 = Buffer.alloc(bytes, 'a');
    if (bytes > 0) utf8[bytes - 1] = 0x7f; // the highest ASCII byte, last
    const event = textEvent(utf8, true);
    expect(event.text).toBe(utf8.toString('utf8'));
    expect(event.utf8).toBe(bytes >= 2048 ? utf8 : undefined);
  });

  it.each([0xfbee9 - 9, 0xfbee9, 1 << 20])('decodes about %i bytes of multi-byte UTF-8 (not ASCII) as UTF-8', (bytes) => {
    const text = 'é€😀'.repeat(Math.ceil(bytes / 9)); // 2 + 3 + 4 bytes
    const utf8 = Buffer.from(text);
    expect(textEvent(utf8, false).text).toBe(text);
  });
});
