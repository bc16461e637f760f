import { join } from 'node:path';
import { applyLineDiff } from '../../tutorial/line-diff';
import { readReadmeTutorial } from '../../tutorial/readme-tutorial';

const ROOT = join(__dirname, '..', '..', '..');

// src/app.module.ts as `nest g gateway chat --flat --no-spec` leaves it: CLI 12 (ESM) and CLI 11 (CommonJS).
const generated = (suffix: string): string => `import { Module } from '@nestjs/common';
import { AppController } from './app.controller${suffix}';
import { AppService } from './app.service${suffix}';
import { ChatGateway } from './chat.gateway${suffix}';

@Module({
  imports: [],
  controllers: [AppController],
  providers: [AppService, ChatGateway],
})
export class AppModule {}
`;

const edited = (suffix: string): string => `import { Module } from '@nestjs/common';
import { WebSocketModule } from 'nest-rfc6455';
import { AppController } from './app.controller${suffix}';
import { AppService } from './app.service${suffix}';
import { ChatGateway } from './chat.gateway${suffix}';

@Module({
  imports: [WebSocketModule.forRoot({})],
  controllers: [AppController],
  providers: [AppService, ChatGateway],
})
export class AppModule {}
`;

describe('applyLineDiff', () => {
  const diff = " import { Module } from '@nestjs/common';\n+import { WebSocketModule } from 'nest-rfc6455';\n @Module({\n-  imports: [],\n+  imports: [WebSocketModule.forRoot({})],\n";

  it.each([['ESM', '.js'], ['CommonJS', '']])('adds the import and the module to a generated %s app.module.ts, keeping the rest', (_kind, suffix) => {
    expect(applyLineDiff(generated(suffix), diff)).toBe(edited(suffix));
  });

  it('throws, naming the line, when the file lacks a line the diff removes or shows as context', () => {
    expect(() => applyLineDiff(generated('.js').replace('  imports: [],', '  imports: [ConfigModule],'), diff)).toThrow('the file has no line "  imports: []," after line 7');
  });

  it('finds context and removed lines in order, never before the previous one', () => {
    expect(() => applyLineDiff('b\na\n', ' a\n-b\n')).toThrow('the file has no line "b" after line 2');
  });

  it('throws on a line that is not context, removal or addition', () => {
    expect(() => applyLineDiff('a\n', '…\n')).toThrow('not a diff line: "…"');
  });
});

describe("README.md's tutorial, as the tutorial run reads it", () => {
  const tutorial = readReadmeTutorial(ROOT);

  it('has the install and generate commands, one of each', () => {
    expect(tutorial.installCommand.slice(0, 3)).toEqual(['npm', 'install', 'nest-rfc6455']);
    expect(tutorial.generateCommand).toEqual(['npx', 'nest', 'g', 'gateway', 'chat', '--flat', '--no-spec']);
  });

  it('edits app.module.ts with a diff that applies to both generated projects', () => {
    expect(applyLineDiff(generated('.js'), tutorial.appModuleEdit)).toBe(edited('.js'));
    expect(applyLineDiff(generated(''), tutorial.appModuleEdit)).toBe(edited(''));
  });

  it('shows a gateway with no relative import (the one place ESM and CommonJS would differ)', () => {
    expect(tutorial.gatewaySource).toContain('export class ChatGateway');
    expect(tutorial.gatewaySource).not.toMatch(/from '\.\.?\//);
  });

  it('has a console snippet on localhost and a later line to run after the join', () => {
    expect(tutorial.snippetOrigin).toBe('ws://localhost:3000');
    expect(tutorial.browserSnippet).not.toContain('// later:');
    expect(tutorial.laterStatement).toMatch(/^ws\.send\(/);
  });
});
