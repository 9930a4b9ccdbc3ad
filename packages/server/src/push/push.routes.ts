import type { User } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tokenOfRequest } from '../auth/auth.routes.js';
import { AppError } from '../errors.js';
import type { PushService } from './push.service.js';

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+=*$/, 'must be base64url');
const Subscribe = z.object({
  subscription: z.object({
    endpoint: z.string().min(1).max(2048),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: Base64Url.min(80).max(100), auth: Base64Url.min(16).max(32) }),
  }),
});
const Unsubscribe = z.object({ endpoint: z.string().min(1).max(2048) });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AppError('BAD_REQUEST', `${issue?.path.map(String).join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
}

export function pushRoutes(
  app: FastifyInstance,
  deps: { push: PushService; authenticate(token: string): Promise<User | undefined> },
): void {
  async function signedIn(request: FastifyRequest): Promise<User> {
    const token = tokenOfRequest(request);
    const user = token ? await deps.authenticate(token) : undefined;
    if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
    return user;
  }

  app.get('/api/push/key', () => ({ publicKey: deps.push.publicKey }));

  app.post('/api/push/subscribe', async (request, reply) => {
    const user = await signedIn(request);
    const { subscription } = parse(Subscribe, request.body);
    await deps.push.subscribe(user, subscription);
    return reply.code(201).send({});
  });

  app.post('/api/push/unsubscribe', async (request, reply) => {
    const user = await signedIn(request);
    const { endpoint } = parse(Unsubscribe, request.body);
    await deps.push.unsubscribe(user, endpoint);
    return reply.code(204).send();
  });
}
