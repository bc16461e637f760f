import { Controller, Get, Header } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// sample/public sits two levels up from here, in the sources and in dist/ (build:sample copies it).
const DASHBOARD_PAGE = readFileSync(join(__dirname, '..', '..', 'public', 'dashboard.html'), 'utf8');

/** `GET /dashboard`: the live dashboard (plain HTML, its charts drawn as inline SVG by the page itself). */
@Controller('dashboard')
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return DASHBOARD_PAGE;
  }
}
