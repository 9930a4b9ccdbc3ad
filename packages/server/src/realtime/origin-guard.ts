import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import { createWarnOnce } from '../limits/warn-once.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { isOriginAllowed } from './handshake.js';

/** The part of Engine.IO's server that takes middlewares (run on every HTTP request and upgrade). */
export interface EngineMiddlewares {
  use(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: Error) => void) => void): void;
}

/**
 * Checks Origin (scheme and host) on every Engine.IO request: the handshake, and each later
 * long-polling GET and POST and upgrade of the session, so that a session id that leaked to
 * another site cannot be driven from it. A refusal answers 403 with FORBIDDEN.
 */
export function checkOriginOfEveryRequest(
  engine: EngineMiddlewares,
  deps: { config: Config; log: Logger; metrics: Metrics },
): void {
  const warnOnce = createWarnOnce(deps.log);
  engine.use((req, res, next) => {
    if (isOriginAllowed(req, deps.config.allowedOrigins)) return next();
    deps.metrics.connectionRefusals.inc({ reason: 'origin' });
    const origin = String(req.headers.origin).slice(0, 200);
    warnOnce(origin, { origin }, 'realtime request refused: origin not allowed');
    // Answered here, and `next` is not called: Engine.IO does nothing more with the request
    // (its own error answer is a 400 without the protocol's code). On an upgrade `res` is
    // Engine.IO's stand-in, whose `end` destroys the socket.
    const body = JSON.stringify({ error: { code: 'FORBIDDEN', message: 'origin not allowed' } });
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}
