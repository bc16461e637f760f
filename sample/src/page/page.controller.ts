import { Controller, Get, Header } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// sample/public sits two levels up from here, in the sources and in dist/ (build:sample copies it).
const CHAT_PAGE = readFileSync(join(__dirname, '..', '..', 'public', 'index.html'), 'utf8');

/** `GET /`: the chat page. */
@Controller()
export class PageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  index(): string {
    return CHAT_PAGE;
  }
}
