// GET / (DESIGN.md, "Wire contract: the sample app"): the chat page.
import request from 'supertest';
import { useSampleApp } from '../../../helpers/sample-suite';

describe('GET /', () => {
  const suite = useSampleApp();

  it('serves the chat page as UTF-8 HTML with the join and say forms and a WebSocket to /chat', async () => {
    const response = await request(suite.app.server).get('/').expect(200).expect('Content-Type', 'text/html; charset=utf-8');

    expect(response.text).toMatch(/^<!doctype html>/i);
    expect(response.text).toContain('<form id="join-form">');
    expect(response.text).toContain('<form id="say-form">');
    expect(response.text).toContain('<ul id="messages">');
    expect(response.text).toContain('/client/index.js'); // the page speaks through nest-rfc6455/client
    expect(response.text).toContain('/chat');
  });
});
