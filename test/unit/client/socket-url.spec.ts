import { toSocketUrl } from '../../../lib/client/socket-url';

describe('toSocketUrl', () => {
  it('keeps ws: and wss: URLs as they are', () => {
    expect(toSocketUrl('ws://127.0.0.1:3000/chat')).toBe('ws://127.0.0.1:3000/chat');
    expect(toSocketUrl('wss://example.com/chat?x=1')).toBe('wss://example.com/chat?x=1');
  });

  it('swaps http: for ws: and https: for wss:', () => {
    expect(toSocketUrl('http://localhost:3000/chat')).toBe('ws://localhost:3000/chat');
    expect(toSocketUrl('https://example.com/chat')).toBe('wss://example.com/chat');
  });

  it('resolves a path against the page, with wss: under https:', () => {
    expect(toSocketUrl('/chat', { protocol: 'http:', host: 'localhost:3000' })).toBe('ws://localhost:3000/chat');
    expect(toSocketUrl('/chat', { protocol: 'https:', host: 'example.com' })).toBe('wss://example.com/chat');
    expect(toSocketUrl('//other.example/chat', { protocol: 'https:', host: 'example.com' })).toBe('wss://other.example/chat');
  });

  it('leaves a path alone outside a page, for the platform to refuse with its own message', () => {
    expect(toSocketUrl('/chat')).toBe('/chat');
  });
});
