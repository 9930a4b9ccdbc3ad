import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** What engine.io reads a request's query from, when set before it sees the request (engine.io server.ts `prepare`). */
export interface EngineQueryRequest extends IncomingMessage {
  _query?: Record<string, string>;
}

/** Bytes a query may hold to be read without decoding: unreserved characters, `=` and `&`. */
const PLAIN_QUERY = /^[A-Za-z0-9\-._~=&]*$/;

/**
 * The query of `target` when it starts with `prefix` (which ends with `?`) and needs no decoding,
 * as exactly the object engine.io builds with `Object.fromEntries(new URL(target, base).searchParams)`;
 * otherwise undefined (engine.io then parses it itself). With no `%`, `+`, `#` or other byte that
 * WHATWG URL would change, its form-urlencoded parse is a plain split: pairs on `&` (empty ones
 * skipped), name and value on the first `=`, a later duplicate winning.
 */
export function readPlainQuery(target: string, prefix: string): Record<string, string> | undefined {
  if (!target.startsWith(prefix)) return undefined;
  const query = target.slice(prefix.length);
  if (!PLAIN_QUERY.test(query)) return undefined;
  const fields: Record<string, string> = {};
  for (let start = 0; start < query.length;) {
    const ampersand = query.indexOf('&', start);
    const end = ampersand === -1 ? query.length : ampersand;
    if (end > start) {
      const equals = query.indexOf('=', start);
      const named = equals !== -1 && equals < end;
      const name = query.slice(start, named ? equals : end);
      // Assigning `__proto__` would set the prototype, where engine.io's object has a field.
      if (name === '__proto__') return undefined;
      fields[name] = named ? query.slice(equals + 1, end) : '';
    }
    start = end + 1;
  }
  return fields;
}

/** The part of engine.io's server a plain request is handed to (engine.io server.ts). */
export interface EngineRequestHandler {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  opts?: { path?: string; addTrailingSlash?: boolean };
}

/**
 * engine.io parses every request's query with WHATWG URL (`new URL(req.url, base)`): about half
 * of its own work on a long-polling request, which a long-polling client sends once per message
 * it receives (issue 17's profile). engine.io keeps a `req._query` that is already there (as under
 * connect), so Parley sets it first for its Engine.IO requests whose query is plain, the same
 * object engine.io would build, and hands them straight to engine.io's `handleRequest`: on the
 * way there, Socket.IO's client-file listener would find no file name before the `?` and
 * engine.io's own listener would find its path, so both would only pass the request on. Any
 * other request reaches the listeners untouched.
 *
 * Call after Socket.IO has attached to `httpServer`: this listener wraps those already there.
 */
export function routePlainEngineRequests(
  httpServer: HttpServer,
  engine: EngineRequestHandler,
  socketIoPath: string,
): void {
  const prefix = `${socketIoPath}/?`;
  // engine.io intercepts every target that starts with its path (with or without the trailing
  // slash); if that path is not Socket.IO's (a future option or version), a plain request only
  // gets its query and takes the usual way.
  const direct = engine.opts?.path?.replace(/\/$/, '') === socketIoPath;
  const listeners = httpServer.listeners('request') as RequestListener[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: EngineQueryRequest, res: ServerResponse) => {
    const query = req.url === undefined ? undefined : readPlainQuery(req.url, prefix);
    if (query) {
      req._query = query;
      if (direct) return engine.handleRequest(req, res);
    }
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
}
