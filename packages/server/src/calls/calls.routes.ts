import type { FastifyInstance } from 'fastify';
import type { User } from '@parley/protocol';
import { tokenOfRequest } from '../auth/auth.routes.js';
import { AppError } from '../errors.js';
import type { CallsService } from './calls.service.js';

export function callsRoutes(
  app: FastifyInstance,
  deps: { calls: CallsService; authenticate(token: string): Promise<User | undefined> },
): void {
  app.get('/api/ice', async (request) => {
    const token = tokenOfRequest(request);
    const user = token ? await deps.authenticate(token) : undefined;
    if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
    return deps.calls.iceConfig(user);
  });
}
