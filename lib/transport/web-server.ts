import { Server as HttpServer } from 'node:http';
import { Server as HttpsServer } from 'node:https';

/** A Node HTTP or HTTPS server: what the upgrade listener attaches to. */
export type WebServer = HttpServer | HttpsServer;
