// The AsyncAPI 3 document: GET /asyncapi.json of the sample, the generator on gateways of every
// shape, and `npm run asyncapi`'s script; every document is validated by @asyncapi/parser.
import { Module } from '@nestjs/common';
import { Diagnostic, Parser } from '@asyncapi/parser';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { AsyncApiDocument, AsyncApiGenerator, Gateway, MessageBody, OnMessage, WebSocketModule } from '../../../lib';
import { startApp } from '../../fixtures/gateways/test-app';
import { useSampleApp } from '../../helpers/sample-suite';

const ROOT = join(__dirname, '..', '..', '..');

/** Errors and warnings of the parser (severity 0 and 1); hints and infos, such as "3.1.0 exists", are not failures. */
const problemsOf = async (document: unknown): Promise<Diagnostic[]> => {
  const { diagnostics } = await new Parser().parse(JSON.stringify(document));
  return diagnostics.filter((diagnostic) => diagnostic.severity <= 1);
};

enum Priority {
  Low = 'low',
  High = 'high',
}

class PointDto {
  @IsInt() @Min(0)
  x!: number;

  @IsInt() @Min(0)
  y!: number;
}

class DrawDto {
  @ValidateNested() @Type(() => PointDto)
  from!: PointDto;

  @IsString({ each: true })
  tags!: string[];

  @IsOptional() @IsEnum(Priority)
  priority?: Priority;
}

@Gateway({ path: '/shapes', subprotocols: ['shapes.v1'] })
class ShapesGateway {
  @OnMessage('draw')
  draw(@MessageBody() body: DrawDto): number {
    return body.tags.length;
  }

  @OnMessage('move')
  move(@MessageBody('room') room: string, @MessageBody('steps') steps: number): string {
    return `${room}:${steps}`;
  }

  @OnMessage('ping')
  ping(): string {
    return 'pong';
  }

  @OnMessage()
  raw(@MessageBody() message: string | Buffer): string | Buffer {
    return message;
  }
}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [ShapesGateway] })
class ShapesModule {}

describe('GET /asyncapi.json of the sample', () => {
  const suite = useSampleApp();
  let document: AsyncApiDocument;

  beforeAll(async () => {
    const response = await request(suite.app.server).get('/asyncapi.json').expect(200).expect('Content-Type', /application\/json/);
    document = response.body as AsyncApiDocument;
  });

  it('is an AsyncAPI 3 document that @asyncapi/parser accepts without errors or warnings', async () => {
    expect(document.asyncapi).toBe('3.0.0');
    expect(document.info).toMatchObject({ title: 'nest-rfc6455 sample', version: '0.1.0' });
    expect(await problemsOf(document)).toEqual([]);
  });

  it('has one channel per gateway, at its path', () => {
    expect(Object.fromEntries(Object.entries(document.channels).map(([id, channel]) => [id, channel.address]))).toEqual({
      BenchGateway: '/bench',
      ChatGateway: '/chat',
      DashboardGateway: '/dashboard-feed',
      EchoGateway: '/echo',
      PrivateGateway: '/private',
    });
  });

  it('has a receive operation per chat event, replying with its reply or an error', () => {
    expect(document.operations['ChatGateway.join']).toEqual({
      action: 'receive',
      channel: { $ref: '#/channels/ChatGateway' },
      title: 'ChatGateway.join',
      summary: '"join" on /chat',
      messages: [{ $ref: '#/channels/ChatGateway/messages/join' }],
      reply: {
        channel: { $ref: '#/channels/ChatGateway' },
        messages: [{ $ref: '#/channels/ChatGateway/messages/join.reply' }, { $ref: '#/channels/ChatGateway/messages/error' }],
      },
    });
    expect(Object.keys(document.channels.ChatGateway.messages).sort()).toEqual(['error', 'join', 'join.reply', 'leave', 'leave.reply', 'say', 'say.reply']);
  });

  it('describes the join envelope with a JoinDto schema taken from its class-validator rules', () => {
    expect(document.components.messages['ChatGateway.join'].payload).toMatchObject({
      required: ['event'],
      properties: { event: { const: 'join' }, data: { $ref: '#/components/schemas/JoinDto' } },
    });
    expect(document.components.schemas.JoinDto).toEqual({
      type: 'object',
      title: 'JoinDto',
      properties: {
        room: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\w-]+$' },
        name: { type: 'string', minLength: 1, maxLength: 32 },
      },
      required: ['room', 'name'],
    });
  });

  it('describes the echo gateway’s raw handler as a message that is not an envelope', () => {
    expect(document.operations['EchoGateway.echo'].messages).toEqual([{ $ref: '#/channels/EchoGateway/messages/message' }]);
    expect(document.components.messages['EchoGateway.message'].payload).not.toHaveProperty('properties');
  });
});

describe('AsyncApiGenerator', () => {
  let document: AsyncApiDocument;

  beforeAll(async () => {
    const started = await startApp(ShapesModule);
    try {
      document = await started.app.get(AsyncApiGenerator).generate({
        info: { title: 'Shapes', version: '2.0.0' },
        servers: { local: { host: `127.0.0.1:${started.port}`, protocol: 'ws' } },
      });
    } finally {
      await started.app.close();
    }
  });

  it('writes a valid document with the servers and info it is given', async () => {
    expect(document.info).toEqual({ title: 'Shapes', version: '2.0.0' });
    expect(Object.keys(document.servers ?? {})).toEqual(['local']);
    expect(document.channels.ShapesGateway.description).toBe('ws /shapes (subprotocols: shapes.v1)');
    expect(await problemsOf(document)).toEqual([]);
  });

  it('describes nested DTOs, arrays of validated items and optional enum properties', () => {
    expect(document.components.schemas.DrawDto).toEqual({
      type: 'object',
      title: 'DrawDto',
      properties: {
        from: { $ref: '#/components/schemas/PointDto' },
        tags: { type: 'array', items: { type: 'string' } },
        priority: { type: 'string', enum: ['low', 'high'] },
      },
      required: ['from', 'tags'],
    });
    expect(document.components.schemas.PointDto).toEqual({
      type: 'object',
      title: 'PointDto',
      properties: { x: { type: 'integer', minimum: 0 }, y: { type: 'integer', minimum: 0 } },
      required: ['x', 'y'],
    });
  });

  it('makes the data of @MessageBody(property) parameters an object of those properties', () => {
    expect(document.components.messages['ShapesGateway.move'].payload.properties?.data).toEqual({
      type: 'object',
      properties: { room: { type: 'string' }, steps: { type: 'number' } },
      required: ['room', 'steps'],
    });
  });

  it('leaves the data of a handler without @MessageBody undescribed', () => {
    expect(document.components.messages['ShapesGateway.ping'].payload.properties?.data).toEqual({});
  });
});

describe('scripts/asyncapi.ts (npm run asyncapi)', () => {
  it('writes the sample’s document to the file it is given, the same one GET /asyncapi.json serves', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'nest-rfc6455-asyncapi-'));
    try {
      const file = join(directory, 'asyncapi.json');
      const { stdout } = await promisify(execFile)(process.execPath, ['-r', './test/helpers/swc-register.cjs', 'scripts/asyncapi.ts', file], {
        cwd: ROOT,
        timeout: 30_000,
      });

      const written = JSON.parse(readFileSync(file, 'utf8')) as AsyncApiDocument;
      expect(stdout).toBe(`wrote ${file}: 5 channels, 9 operations\n`);
      expect(Object.keys(written.channels)).toEqual(['BenchGateway', 'ChatGateway', 'DashboardGateway', 'EchoGateway', 'PrivateGateway']);
      expect(await problemsOf(written)).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);
});
