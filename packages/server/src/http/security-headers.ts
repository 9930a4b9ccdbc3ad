import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** One year, as HSTS preload lists ask. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every answer Fastify gives (pages, assets, API, errors), with helmet.
 * The page holds the private-message keys, so its Content-Security-Policy allows no inline
 * script and nothing from another origin; nobody may frame it; no Referer leaves it.
 * HSTS only when the request came over TLS (as a trusted proxy says, see TRUST_PROXY):
 * sent over plain HTTP it would be meaningless, and wrong on a server reached without TLS.
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') void reply.header('strict-transport-security', HSTS);
  });
}
