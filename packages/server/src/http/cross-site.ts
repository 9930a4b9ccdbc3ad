import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createWarnOnce } from '../limits/warn-once.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { isOriginAllowed } from '../realtime/handshake.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser sent from another site (403 FORBIDDEN), so a
 * page elsewhere cannot sign a visitor out, or act in their name, with their session cookie
 * (SameSite=Lax alone lets a top-level cross-site POST through in some browsers). It applies to
 * every request that does not carry a bearer token (a token is never sent by a browser on its
 * own): sign-in and registration too, so that no page can sign a visitor into another account.
 * Browsers say where a request comes from with Origin, or with Sec-Fetch-Site when they leave
 * Origin out; a client that sends neither is not a browser.
 */
export function refuseCrossSiteRequests(
  app: FastifyInstance,
  deps: { allowedOrigins: string[]; log: Logger; metrics: Metrics },
): void {
  const warnOnce = createWarnOnce(deps.log);
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || hasBearerToken(request) || isSameSite(request, deps.allowedOrigins)) return;
    deps.metrics.requestRefusals.inc({ reason: 'cross_site' });
    const origin = String(request.headers.origin ?? request.headers['sec-fetch-site']).slice(0, 200);
    warnOnce(origin, { origin, method: request.method, url: request.routeOptions.url }, 'cross-site request refused');
    return reply.code(403).send({ error: { code: 'FORBIDDEN', message: 'cross-site request refused' } });
  });
}

function hasBearerToken(request: FastifyRequest): boolean {
  return request.headers.authorization?.startsWith('Bearer ') ?? false;
}

function isSameSite(request: FastifyRequest, allowedOrigins: string[]): boolean {
  if (request.headers.origin !== undefined) return isOriginAllowed(request.raw, allowedOrigins);
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}
