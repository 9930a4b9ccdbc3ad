import { Id, InviteCreate, RefusalReason, parseWith, type SessionInfo } from '@parley/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { parseBody, tokenOfRequest } from './auth.routes.js';
import type { AuthService, SessionUser } from './auth.service.js';

export interface SessionsRoutesDeps {
  auth: AuthService;
  /** Disconnects every socket opened with the session, on every instance. */
  disconnectSession(tokenHash: string): void;
}

async function signedIn(auth: AuthService, request: FastifyRequest): Promise<SessionUser> {
  const token = tokenOfRequest(request);
  const user = token ? await auth.session(token) : undefined;
  if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
  return user;
}

/** Extension (issue 16): a user's sessions, listed and ended; invite codes for administrators. */
export function sessionsRoutes(app: FastifyInstance, deps: SessionsRoutesDeps): void {
  const { auth } = deps;

  app.get('/api/sessions', async (request): Promise<{ sessions: SessionInfo[] }> => {
    const user = await signedIn(auth, request);
    return { sessions: await auth.listSessions(user) };
  });

  app.delete<{ Params: { id: string } }>('/api/sessions/:id', async (request, reply) => {
    const user = await signedIn(auth, request);
    const id = parseWith(Id, request.params.id);
    if (!id.ok) throw new AppError('BAD_REQUEST', 'bad session id');
    // Another user's session id answers like an unknown one: ids are not confirmed to strangers.
    const tokenHash = await auth.endSession(user.id, id.value);
    if (tokenHash === undefined) throw new AppError('NOT_FOUND', 'no such session');
    deps.disconnectSession(tokenHash);
    return reply.code(204).send();
  });

  app.post('/api/invites', async (request, reply) => {
    const user = await signedIn(auth, request);
    if (!user.isAdmin) throw new AppError('FORBIDDEN', 'administrators only', undefined, RefusalReason.adminOnly);
    const input = parseBody(InviteCreate, request);
    const invite = await auth.createInvite({ ...input, createdBy: user.id });
    return reply.code(201).send({ invite });
  });
}
