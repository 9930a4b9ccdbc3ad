import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from '../metrics.js';

export interface OperationsDeps {
  metrics: Metrics;
  /** Each named dependency answers true when it is reachable. */
  readinessChecks: Record<string, () => Promise<boolean>>;
  isDraining(): boolean;
  /** How long a check may take before it counts as down; /readyz answers within about this. */
  checkTimeoutMs?: number;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares digests, so that neither the length nor the content leaks through timing. */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * A load balancer's health check must get an answer, not a hang: a dependency that does not
 * answer within the timeout is down (issue 11: /readyz took 5 s while Redis hung).
 */
async function withinTimeout(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function operationsRoutes(app: FastifyInstance, deps: OperationsDeps): void {
  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const names = Object.keys(deps.readinessChecks);
    const timeoutMs = deps.checkTimeoutMs ?? 800;
    const answers = await Promise.all(
      Object.values(deps.readinessChecks).map((check) => withinTimeout(check, timeoutMs)),
    );
    const checks = Object.fromEntries(names.map((name, i) => [name, answers[i] ? 'ok' : 'down']));
    const ready = !deps.isDraining() && answers.every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', async (request, reply) => {
    if (deps.metricsToken !== undefined && !bearerMatches(request, deps.metricsToken)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({ error: { code: 'UNAUTHORIZED', message: 'metrics need the bearer token (METRICS_TOKEN)' } });
    }
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
