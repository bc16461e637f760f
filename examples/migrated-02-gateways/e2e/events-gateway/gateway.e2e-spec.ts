import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { createClient, WsClient } from 'nest-rfc6455/client';
import { WebSocket } from 'undici';

describe('EventsGateway', () => {
  let app: INestApplication;
  let socket: WsClient;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleRef.createNestApplication();
    await app.listen(3000);
  });

  beforeEach(async () => {
    socket = createClient('ws://localhost:3000/', { WebSocket });
    await socket.connect();
  });

  describe('findAll', () => {
    it('should receive 3 numbers', done => {
      let eventCount = 1;
      socket.emit('events', { test: 'test' });
      socket.on('events', data => {
        expect(data).toBe(eventCount);
        if (++eventCount > 3) {
          done();
        }
      });
    });
  });

  describe('identity', () => {
    it('should return the same number has what was sent', done => {
      socket.request('identity', 0).then(response => {
        expect(response).toBe(0);
        done();
      });
    });
  });

  afterEach(() => {
    socket.close();
  });

  afterAll(async () => {
    await app.close();
  });
});
