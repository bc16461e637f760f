// Issue 14, as reported: `curl --http2 http://host/health` on the sample app got 404 "no WebSocket
// endpoint" from the upgrade listener, while a plain GET got 200. An h2c offer is not ours: with
// no other upgrade listener, Node's plain-HTTP handling answers it.
import { SampleApp, startSampleApp } from '../../fixtures/sample-app';
import { useCurl } from '../../helpers/curl';

describe('the sample app behind the upgrade listener', () => {
  let app: SampleApp;
  const curl = useCurl();

  beforeAll(async () => {
    app = await startSampleApp();
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  it('answers `curl --http2 /health` as a plain GET does: 200 with the health document', async () => {
    const plain = await curl(`${app.httpUrl}/health`);
    const h2c = await curl('--http2', `${app.httpUrl}/health`);

    expect(plain.output).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect({ exitCode: h2c.exitCode, statusLine: h2c.output.split('\r\n', 1)[0] }).toEqual({ exitCode: 0, statusLine: 'HTTP/1.1 200 OK' });
    expect(h2c.output.slice(h2c.output.indexOf('\r\n\r\n'))).toBe(plain.output.slice(plain.output.indexOf('\r\n\r\n')));
  });
});
