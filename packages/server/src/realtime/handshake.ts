/** What both realtime transports read from a handshake. */
import type { IncomingMessage } from 'node:http';
import { parseCookie } from 'cookie';

/** The token a client puts in Socket.IO's handshake `auth` (non-browser clients). */
export function tokenOfAuth(auth: unknown): string | undefined {
  const token = (auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/**
 * One cookie's value, by the `cookie` package: a value that is not valid percent-encoding
 * (`%E0`) comes back as it was sent instead of throwing, so a bad header cannot stop an
 * upgrade listener; such a token simply matches no session.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

/** A request target as a URL, or undefined when it is not one (`//a:b`): outside input never throws here. */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** Browsers send Origin: it must be this server's own or one of ALLOWED_ORIGINS. */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
