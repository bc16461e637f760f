import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadClientModules } from './client-modules';

// sample/public sits two levels up from here, in the sources and in dist/ (build:sample copies it).
const CHAT_PAGE = readFileSync(join(__dirname, '..', '..', 'public', 'index.html'), 'utf8');

/**
 * `GET /`: the chat page; `GET /client/:file`: nest-rfc6455/client as ES modules, which the page
 * imports; `GET /wire/:file`: the wire contract the client's modules import (`../wire/envelope.js`).
 */
@Controller()
export class PageController {
  private clientModules: Map<string, string> | undefined;

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  index(): string {
    return CHAT_PAGE;
  }

  @Get('client/:file')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  clientModule(@Param('file') file: string): string {
    return this.browserModule(`client/${file}`);
  }

  @Get('wire/:file')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  wireModule(@Param('file') file: string): string {
    return this.browserModule(`wire/${file}`);
  }

  private browserModule(path: string): string {
    this.clientModules ??= loadClientModules();
    // Only names from the listing: a request path never reaches the file system.
    const code = this.clientModules.get(path);
    if (code === undefined) throw new NotFoundException(`no client module ${path}`);
    return code;
  }
}
