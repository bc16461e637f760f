/** A JSON Schema (the AsyncAPI Schema dialect, a superset of draft 7), as far as we write it. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  oneOf?: JsonSchema[];
}

export interface Reference {
  $ref: string;
}

export interface AsyncApiMessage {
  name: string;
  title?: string;
  summary?: string;
  contentType?: string;
  payload: JsonSchema;
}

export interface AsyncApiChannel {
  address: string;
  title?: string;
  description?: string;
  messages: Record<string, Reference>;
}

export interface AsyncApiOperation {
  /** `receive`: the application receives these messages (client → server). */
  action: 'send' | 'receive';
  channel: Reference;
  title?: string;
  summary?: string;
  messages: Reference[];
  reply?: { channel: Reference; messages: Reference[] };
}

export interface AsyncApiServer {
  host: string;
  protocol: 'ws' | 'wss';
  pathname?: string;
  description?: string;
}

export interface AsyncApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** An AsyncAPI 3.0 document, as `AsyncApiGenerator` writes it. */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: AsyncApiInfo;
  defaultContentType: string;
  servers?: Record<string, AsyncApiServer>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: {
    messages: Record<string, AsyncApiMessage>;
    schemas: Record<string, JsonSchema>;
  };
}
