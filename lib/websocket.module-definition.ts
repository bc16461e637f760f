import { ConfigurableModuleBuilder } from '@nestjs/common';
import { WebSocketModuleOptions } from './gateway/interfaces/websocket-options.interface';
import { WEBSOCKET_MODULE_OPTIONS } from './gateway/websocket.constants';

// The token is the gateway layer's (GatewayRuntime injects the options); the module is built here, above it.
export const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<WebSocketModuleOptions>({
  moduleName: 'WebSocket',
  optionsInjectionToken: WEBSOCKET_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot') // forRoot + forRootAsync
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
