import { Controller, Get, Header } from '@nestjs/common';
import { AsyncApiDocument, AsyncApiGenerator } from '../../../lib';

/** The sample's AsyncAPI info; `npm run asyncapi` writes the same document to a file. */
export const SAMPLE_ASYNCAPI_INFO = {
  title: 'nest-rfc6455 sample',
  version: '0.1.0',
  description: 'The gateways of the sample app: raw echo, chat rooms, the benchmark contract, a guarded gateway and the dashboard feed.',
};

/** `GET /asyncapi.json`: the AsyncAPI 3 document of the app's gateways. */
@Controller('asyncapi.json')
export class AsyncApiController {
  constructor(private readonly generator: AsyncApiGenerator) {}

  @Get()
  @Header('Content-Type', 'application/json; charset=utf-8')
  document(): Promise<AsyncApiDocument> {
    return this.generator.generate({ info: SAMPLE_ASYNCAPI_INFO });
  }
}
