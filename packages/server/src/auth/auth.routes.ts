import { LoginCredentials, Registration, SESSION_COOKIE, parseWith } from '@parley/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { AuthService } from './auth.service.js';

export interface AuthRoutesDeps {
  auth: AuthService;
  /** Disconnects every socket opened with the session. */
  disconnectSession(token: string): void;
}

export function parseBody<T>(schema: z.ZodType<T>, request: FastifyRequest): T {
  const parsed = parseWith(schema, request.body);
  if (!parsed.ok) throw new AppError(parsed.error.code, parsed.error.message);
  return parsed.value;
}

export function tokenOfRequest(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return request.cookies[SESSION_COOKIE];
}

/** The address (as TRUST_PROXY allows) and device a session starts from. */
export function clientOf(request: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}

export function authRoutes(app: FastifyInstance, deps: AuthRoutesDeps): void {
  const { auth } = deps;

  const setSessionCookie = (request: FastifyRequest, reply: FastifyReply, token: string) => {
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      maxAge: Math.floor(auth.sessionTtlMs / 1000),
    });
  };

  app.post('/api/auth/register', async (request, reply) => {
    const result = await auth.register(parseBody(Registration, request), clientOf(request));
    setSessionCookie(request, reply, result.token);
    return reply.code(201).send(result);
  });

  app.post('/api/auth/login', async (request, reply) => {
    const result = await auth.login(parseBody(LoginCredentials, request), clientOf(request));
    setSessionCookie(request, reply, result.token);
    return reply.send(result);
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const token = tokenOfRequest(request);
    if (token) {
      await auth.logout(token);
      deps.disconnectSession(token);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });

  /** Extension: what the register form must ask for (an invite code, or nothing: closed). */
  app.get('/api/auth/registration', () => ({ mode: auth.registrationMode }));

  app.get('/api/me', async (request) => {
    const token = tokenOfRequest(request);
    const user = token ? await auth.authenticate(token) : undefined;
    if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
    return { user };
  });
}
