// nest-rfc6455/testing against an HTTPS application: it sees the TLS server and speaks wss.
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { generate } from 'selfsigned';
import { closeAllTestClients, connectToGateway } from '../../../lib/testing';
import { HostingModule } from '../../fixtures/gateways/hosting.gateway';

describe('a gateway of an HTTPS application, tested with nest-rfc6455/testing', () => {
  let app: INestApplication;
  let certificate: string;

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
    certificate = pems.cert;
    const moduleRef = await Test.createTestingModule({ imports: [HostingModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false, httpsOptions: { key: pems.private, cert: pems.cert } });
    await app.listen(0, '127.0.0.1');
  }, 30_000);
  afterEach(closeAllTestClients);
  afterAll(async () => {
    await app.close();
  });

  it('connects over TLS when the app serves HTTPS, trusting the certificate it is given', async () => {
    const ws = await connectToGateway(app, '/live', { tls: { ca: certificate, servername: 'localhost' } });

    expect(await ws.request('echo', { over: 'wss' })).toEqual({ over: 'wss' });
  });

  it('refuses a certificate it was not told to trust', async () => {
    await expect(connectToGateway(app, '/live')).rejects.toThrow(/self[- ]signed certificate/);
  });
});
