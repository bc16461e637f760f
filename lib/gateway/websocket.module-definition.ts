import { ConfigurableModuleBuilder } from '@nestjs/common';
import { WebSocketModuleOptions } from './interfaces/websocket-options.interface';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: WEBSOCKET_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WebSocketModuleOptions>({ moduleName: 'WebSocket' })
  .setClassMethodName('forRoot') // forRoot + forRootAsync
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
