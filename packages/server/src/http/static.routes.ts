import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the built web app. Hashed assets are cached for a year; index.html is revalidated on
 * every load so that a new release reaches browsers at once. Files are sent pre-compressed.
 */
export async function staticRoutes(app: FastifyInstance, webRoot: string): Promise<void> {
  if (!existsSync(path.join(webRoot, 'index.html'))) {
    app.log.warn({ webRoot }, 'web app not built; serving the API only');
    return;
  }
  await app.register(fastifyStatic, {
    root: webRoot,
    wildcard: false,
    // The build writes .br and .gz beside each file (packages/web/vite.config.ts): sent by
    // Accept-Encoding, with `Vary: accept-encoding`; the plain file otherwise.
    preCompressed: true,
    setHeaders(res, filePath) {
      const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
      res.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // The web app's own links (issue 15): a room, a private chat, a message. A reload or a shared
  // link opens the app, which reads the path.
  const appPage = (_request: unknown, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html');
  for (const route of ['/r/*', '/dm/*']) app.get(route, appPage);
}
