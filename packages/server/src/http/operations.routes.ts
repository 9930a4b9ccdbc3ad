import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

export interface OperationsDeps {
  metrics: Metrics;
  /** Each named dependency answers true when it is reachable. */
  readinessChecks: Record<string, () => Promise<boolean>>;
  isDraining(): boolean;
}

export function operationsRoutes(app: FastifyInstance, deps: OperationsDeps): void {
  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const names = Object.keys(deps.readinessChecks);
    const answers = await Promise.all(Object.values(deps.readinessChecks).map((check) => check().catch(() => false)));
    const checks = Object.fromEntries(names.map((name, i) => [name, answers[i] ? 'ok' : 'down']));
    const ready = !deps.isDraining() && answers.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
