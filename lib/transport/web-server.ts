import { Server as HttpServer } from 'node:http';
import { Http2SecureServer, Http2Server } from 'node:http2';
import { Server as HttpsServer } from 'node:https';

/** A Node HTTP/2 server, cleartext (h2c) or TLS (which may serve HTTP/1.1 too, with allowHTTP1). */
export type Http2WebServer = Http2Server | Http2SecureServer;

/** A Node HTTP, HTTPS or HTTP/2 server: what the upgrade listener attaches to. */
export type WebServer = HttpServer | HttpsServer | Http2WebServer;
