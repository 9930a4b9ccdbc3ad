import type { AuthResult, ErrorBody, RegistrationMode, SessionInfo, User } from '@parley/protocol';

/** An error answer from the HTTP API, or a network failure (code UNAVAILABLE). */
export class ParleyError extends Error {
  constructor(
    readonly code: ErrorBody['code'],
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The server's machine-readable reason, where the code alone does not tell (RefusalReason). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ParleyError';
  }
}

async function call<T>(baseUrl: string, path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, baseUrl), { credentials: 'include', ...init });
  } catch (error) {
    throw new ParleyError('UNAVAILABLE', `cannot reach the server: ${String(error)}`);
  }
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => ({}))) as { error?: ErrorBody } & T;
  if (!response.ok) {
    const error = body.error ?? { code: 'INTERNAL', message: `HTTP ${response.status}` };
    throw new ParleyError(error.code, error.message, response.status, error.retryAfterMs, error.reason);
  }
  return body;
}

const jsonPost = (body?: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

export function register(
  baseUrl: string,
  username: string,
  password: string,
  inviteCode?: string,
): Promise<AuthResult> {
  return call(baseUrl, '/api/auth/register', jsonPost({ username, password, ...(inviteCode ? { inviteCode } : {}) }));
}

/** Extension: whether the server takes registrations (`open`), asks for an invite code, or none (`closed`). */
export async function registrationMode(baseUrl: string): Promise<RegistrationMode> {
  const { mode } = await call<{ mode: RegistrationMode }>(baseUrl, '/api/auth/registration', {});
  return mode;
}

const withToken = (token?: string): RequestInit => (token ? { headers: { authorization: `Bearer ${token}` } } : {});

/** Extension: the caller's sessions (the token's user, or the browser cookie's). */
export async function listSessions(baseUrl: string, token?: string): Promise<SessionInfo[]> {
  const { sessions } = await call<{ sessions: SessionInfo[] }>(baseUrl, '/api/sessions', withToken(token));
  return sessions;
}

/** Extension: ends one of the caller's sessions; its connections close on every instance. */
export function endSession(baseUrl: string, sessionId: string, token?: string): Promise<void> {
  return call(baseUrl, `/api/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', ...withToken(token) });
}

export function login(baseUrl: string, username: string, password: string): Promise<AuthResult> {
  return call(baseUrl, '/api/auth/login', jsonPost({ username, password }));
}

/** Revokes the session (the token's, or the browser cookie's when no token is given). */
export function logout(baseUrl: string, token?: string): Promise<void> {
  return call(baseUrl, '/api/auth/logout', jsonPost(undefined, token));
}

export async function me(baseUrl: string, token?: string): Promise<User> {
  const init: RequestInit = token ? { headers: { authorization: `Bearer ${token}` } } : {};
  const { user } = await call<{ user: User }>(baseUrl, '/api/me', init);
  return user;
}
