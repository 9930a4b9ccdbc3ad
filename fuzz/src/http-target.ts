import http from 'node:http';
import { connect } from 'node:net';
import type { Prng } from './prng.js';
import {
  cookieHeader,
  deepJson,
  describeBytes,
  hostileObject,
  hostileValue,
  invalidUtf8,
  mutateBytes,
} from './shapes.js';
import { answerCode, countAnswer, type TargetContext } from './target.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const API_PATHS = [
  '/api/auth/register',
  '/api/auth/login',
  '/api/auth/logout',
  '/api/me',
  '/api/ice',
  '/api/files',
  // Issue 15: files by id, previews, ids that look like paths.
  '/api/files/00000000-0000-4000-8000-000000000000',
  '/api/files/00000000-0000-4000-8000-000000000000/preview',
  '/api/files/..%2F..%2Fparley.db',
  '/api/files/%2e%2e/preview',
  '/api/push/key',
  '/api/push/subscribe',
  '/api/push/unsubscribe',
  // Issue 16: registration mode, sessions, invites.
  '/api/auth/registration',
  '/api/sessions',
  '/api/invites',
];
const OTHER_PATHS = [
  '/',
  '/index.html',
  '/healthz',
  '/readyz',
  '/assets/../../../../etc/passwd',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/%E0',
  '/%',
  '/assets/%00.js',
  `/${'a'.repeat(10_000)}`,
  '/api/files/../../etc/passwd',
  '/api/me?__proto__[admin]=1&constructor[prototype][x]=1',
  '/socket.io/?EIO=4&transport=polling&sid=%E0',
  '/api/sessions/%E0',
  '/api/sessions/__proto__',
  '/api/sessions/00000000-0000-0000-0000-000000000000',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'];

/** A JSON body shaped like register/login, or not shaped at all. */
function apiBody(rng: Prng): Buffer {
  const roll = rng.int(10);
  if (roll === 0) return Buffer.from(deepJson(rng.pick([100, 5000, 20_000]), rng.chance(0.5)));
  if (roll === 1) {
    const length = rng.chance(0.02) ? 2_000_000 : rng.pick([33, 257, 5000]);
    return Buffer.from(`{"username":"${'u'.repeat(length)}","password":"x"}`);
  }
  if (roll === 2)
    return Buffer.concat([Buffer.from('{"username":"a'), invalidUtf8(rng), Buffer.from('","password":"12345678"}')]);
  if (roll === 3) return rng.bytes(rng.int(300));
  if (roll === 4) {
    // A multipart upload (issue 15), whole or mangled, under the boundary `x` some headers name.
    const part = Buffer.from(
      `--x\r\nContent-Disposition: form-data; name="${rng.pick(['file', 'other', '__proto__'])}"; ` +
        `filename="${rng.pick(['a.png', '../../x', '\u0000.svg'])}"\r\nContent-Type: image/png\r\n\r\n`,
    );
    const whole = Buffer.concat([part, rng.bytes(rng.int(2000)), Buffer.from('\r\n--x--\r\n')]);
    return rng.chance(0.5) ? mutateBytes(rng, whole) : whole;
  }
  // Web Push subscriptions: endpoints that are not https, not URLs, or huge; keys of every kind.
  if (roll === 5) {
    const endpoint = rng.pick([
      '"http://127.0.0.1/x"',
      '"https://127.0.0.1:1/p"',
      '"file:///etc/passwd"',
      hostileValue(rng),
    ]);
    return Buffer.from(
      `{"subscription":{"endpoint":${endpoint},"keys":{"p256dh":${hostileValue(rng)},"auth":"x"}},"endpoint":${endpoint}}`,
    );
  }
  // Well-formed credentials are rare: each costs the server an argon2 hash, and hashing is not fuzzing.
  const wellFormed = rng.chance(0.03);
  const username = wellFormed ? `"fz_${rng.int(1000)}"` : hostileValue(rng);
  const password = wellFormed ? '"wrong password"' : rng.pick(['"x"', hostileValue(rng)]);
  const extra = rng.chance(0.3) ? `,"__proto__":${hostileObject(rng)},"constructor":{"prototype":{"x":1}}` : '';
  const body = Buffer.from(`{"username":${username},"password":${password}${extra}}`);
  return rng.chance(0.2) ? mutateBytes(rng, body) : body;
}

function headersFor(rng: Prng, token: string | undefined, body: Buffer | undefined): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  if (body !== undefined) {
    headers['content-type'] = rng.pick([
      'application/json',
      'application/json',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-8; a=%E0',
    ]);
  }
  const cookie = cookieHeader(rng, token, true);
  if (cookie !== undefined) headers.cookie = cookie;
  if (rng.chance(0.3))
    headers.authorization = rng.pick([`Bearer ${token ?? 'x'}`, 'Bearer', 'Basic Og==', `Bearer ${'t'.repeat(5000)}`]);
  if (rng.chance(0.2)) headers.origin = rng.pick(['null', 'http://evil.example', 'http://127.0.0.1']);
  if (rng.chance(0.1)) headers['accept-encoding'] = 'gzip, br, deflate, zstd';
  if (rng.chance(0.05)) headers['x-forwarded-for'] = '1.2.3.4, %E0, ::1';
  return headers;
}

/** A well-framed request whose method, path, headers and body are hostile. */
async function framedRequest(ctx: TargetContext): Promise<void> {
  const { rng, counts } = ctx;
  const token = ctx.tokens.length > 0 && rng.chance(0.5) ? rng.pick(ctx.tokens) : undefined;
  const path = rng.chance(0.7) ? rng.pick(API_PATHS) : rng.pick(OTHER_PATHS);
  const method = rng.chance(0.7)
    ? path.startsWith('/api/auth') || path.startsWith('/api/push/s') || path.startsWith('/api/push/u')
      ? 'POST'
      : 'GET'
    : rng.pick(METHODS);
  const body = method === 'GET' || method === 'HEAD' ? undefined : apiBody(rng);
  const headers = headersFor(rng, token, body);
  ctx.recent.add(
    `http ${method} ${path} ${describeBytes(JSON.stringify(headers), 200)} ${describeBytes(body ?? '', 200)}`,
  );
  counts.packets += 1;
  const answer = await new Promise<{ status: number; body: string }>((resolve) => {
    const req = http.request({ host: ctx.host, port: ctx.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
  if (answer.status === 0) counts.closedByServer += 1;
  const code = answer.status >= 400 ? ` ${answerCode(answer.body)}` : '';
  countAnswer(counts, `HTTP ${answer.status}${code === ' other' ? '' : code}`);
}

/** Request lines and framing that an HTTP client library would refuse to write. */
function rawRequest(rng: Prng, token: string | undefined): Buffer {
  const target = rng.pick([
    '//',
    '//a:b',
    '//evil.example/api/me',
    '/%zz',
    '/%E0%80%80',
    '*',
    'http://127.0.0.1/api/me',
    '/api/me#frag',
    `/api/me?${'q=%E0&'.repeat(500)}`,
    '/api/\u0000me',
  ]);
  const method = rng.pick(['GET', 'POST', 'GET', 'CONNECT', 'TRACE', 'G\u00e9T', 'BREW']);
  const version = rng.pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', '']);
  const lines = [`${method} ${target} ${version}`, 'Host: 127.0.0.1', 'Connection: close'];
  const cookie = cookieHeader(rng, token, true);
  if (cookie !== undefined) lines.push(`Cookie: ${cookie}`);
  let body = '';
  switch (rng.int(8)) {
    case 0:
      lines.push('Content-Length: 5', 'Content-Length: 7');
      body = '{"a":1}';
      break;
    case 1:
      lines.push('Transfer-Encoding: chunked');
      body = rng.pick(['ffffffffffffffff\r\nx\r\n0\r\n\r\n', 'zz\r\nx\r\n', '5\r\n{"a"\r\n']);
      break;
    case 2:
      lines.push('Content-Length: 99999999999999999999');
      break;
    case 3:
      lines.push(`X-Big: ${'h'.repeat(rng.pick([8000, 70_000]))}`);
      break;
    case 4:
      lines.push('Bad Header Name: x', 'X-Nul: a\u0000b');
      break;
    default:
      break;
  }
  const text = `${lines.join(rng.chance(0.9) ? '\r\n' : '\n')}\r\n\r\n${body}`;
  const bytes = Buffer.from(text, 'latin1');
  return rng.chance(0.2) ? mutateBytes(rng, bytes) : bytes;
}

async function rawTcpRequest(ctx: TargetContext): Promise<void> {
  const { rng, counts } = ctx;
  const bytes = rawRequest(rng, ctx.tokens[0]);
  ctx.recent.add(`http raw ${describeBytes(bytes)}`);
  counts.packets += 1;
  counts.connections += 1;
  const head = await new Promise<string>((resolve) => {
    const socket = connect({ host: ctx.host, port: ctx.port });
    let received = '';
    // An incomplete request (a body never sent) is held by the server until its request timeout.
    socket.setTimeout(1000, () => {
      received ||= 'held open';
      socket.resetAndDestroy();
    });
    socket.on('data', (chunk: Buffer) => {
      if (received.length < 200) received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(received));
    socket.write(bytes);
  });
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
  if (head === 'held open') return countAnswer(counts, 'held open (incomplete request)');
  if (status === undefined) counts.closedByServer += 1;
  countAnswer(counts, status === undefined ? 'closed without an answer' : `HTTP ${status}`);
}

/** A short burst of requests on the HTTP API and static files, most framed, some raw bytes. */
export async function runHttpSession(ctx: TargetContext): Promise<void> {
  const requests = 1 + ctx.rng.int(10);
  for (let i = 0; i < requests && ctx.serverAlive(); i += 1) {
    if (ctx.rng.chance(0.1)) await rawTcpRequest(ctx);
    else await framedRequest(ctx);
  }
}
