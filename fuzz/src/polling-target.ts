import http from 'node:http';
import type { Prng } from './prng.js';
import { cookieHeader, describeBytes, invalidUtf8, mutateBytes } from './shapes.js';
import { answerCode, connectErrorCode, countAnswer, type TargetContext } from './target.js';
import { hostileEvent, socketIoText } from './websocket-packets.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const SEPARATOR = '\x1e';

interface Answer {
  status: number;
  body: Buffer;
}

function request(
  ctx: TargetContext,
  method: string,
  path: string,
  headers: http.OutgoingHttpHeaders,
  body?: Buffer,
  timeoutMs = 5000,
  signal?: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request({ host: ctx.host, port: ctx.port, method, path, headers, agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', () => resolve({ status: 0, body: Buffer.alloc(0) }));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0) }));
    req.end(body);
  });
}

/** The handshake's query: usually right, sometimes a wrong version, transport or a made-up sid. */
function handshakeQuery(rng: Prng): string {
  if (!rng.chance(0.15)) return 'EIO=4&transport=polling';
  return rng.pick([
    'EIO=3&transport=polling',
    'EIO=5&transport=polling',
    'EIO=4&transport=flash',
    'EIO=4&transport=polling&sid=made-up',
    'EIO=4&transport=polling&j=0',
    'EIO=4&transport=polling&b64=1',
    'EIO=4&transport=polling&__proto__=x&constructor=y',
    'EIO=4&transport=polling&t=%E0%80',
  ]);
}

/**
 * A session request's query: mostly what engine.io-client sends, sometimes bent, for the query
 * Parley reads itself ahead of engine.io (engine-query.ts): repeated or encoded sid, empty
 * pairs, a bare name, a wrong transport or version, `__proto__`.
 */
function sessionQuery(rng: Prng, sid: string): string {
  const plain = `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
  if (!rng.chance(0.1)) return plain;
  return rng.pick([
    `${plain}&sid=made-up`,
    `sid=made-up&${plain}`,
    `EIO=4&transport=polling&sid=${encodeURIComponent(sid).replace(/^./, (c) => `%${c.charCodeAt(0).toString(16)}`)}`,
    `&&${plain}&&&t=`,
    `${plain}&t`,
    `${plain}&transport=websocket`,
    `EIO=3&transport=polling&sid=${encodeURIComponent(sid)}`,
    `${plain}&__proto__=x`,
    `${plain}&constructor=y&hasOwnProperty=z`,
    `${plain}&t=a+b`,
  ]);
}

/** One POST body: Socket.IO texts joined by the record separator, or something worse. */
function postBody(rng: Prng, ackBase: number): { body: Buffer; packets: number; contentType: string } {
  const roll = rng.int(1000) / 10;
  if (roll < 0.5) {
    // CVE-2020-36048: a body over maxHttpBufferSize must be refused, not buffered.
    const size = rng.pick([1_000_001, 1_200_000]);
    return { body: Buffer.from(`4${'x'.repeat(size)}`), packets: 1, contentType: 'text/plain' };
  }
  if (roll < 6) {
    const count = rng.pick([100, 1000]);
    return {
      body: Buffer.from(Array.from({ length: count }, () => '3').join(SEPARATOR)),
      packets: count,
      contentType: 'text/plain',
    };
  }
  if (roll < 10) {
    const binary = rng.pick([
      `b${rng.bytes(32).toString('base64')}`,
      'b!!!',
      'b',
      `bBAUG${SEPARATOR}451-["x",{"_placeholder":true,"num":0}]`,
    ]);
    return { body: Buffer.from(binary), packets: binary.split(SEPARATOR).length, contentType: 'text/plain' };
  }
  if (roll < 13) return { body: rng.bytes(1 + rng.int(200)), packets: 1, contentType: 'application/octet-stream' };
  const count = 1 + rng.int(8);
  // Mostly well-formed events with hostile payloads (the session lives on), sometimes worse.
  const bad = rng.chance(0.1);
  const texts = Array.from({ length: count }, (_, i) => (bad ? socketIoText : hostileEvent)(rng, ackBase + i));
  let body: Buffer = Buffer.from(texts.join(SEPARATOR));
  if (bad && rng.chance(0.3)) body = mutateBytes(rng, body);
  if (bad && rng.chance(0.1)) body = Buffer.concat([body, invalidUtf8(rng)]);
  return { body, packets: count, contentType: rng.chance(0.9) ? 'text/plain;charset=UTF-8' : 'application/json' };
}

/** Reads the server's packets with one GET at a time until the session ends; counts what it sees. */
async function pollUntilClosed(
  ctx: TargetContext,
  url: string,
  headers: http.OutgoingHttpHeaders,
  signal: AbortSignal,
): Promise<boolean> {
  while (!signal.aborted) {
    const answer = await request(ctx, 'GET', url, headers, undefined, 4000, signal);
    if (answer.status !== 200) return answer.status !== 0;
    for (const packet of answer.body.toString().split(SEPARATOR)) {
      if (packet.startsWith('43')) countAnswer(ctx.counts, answerCode(packet.replace(/^43\d*/, '')));
      else if (packet.startsWith('44')) countAnswer(ctx.counts, connectErrorCode(packet));
      else if (packet === '1') return true;
    }
  }
  return false;
}

/** One long-polling session: a handshake (sometimes bent), perhaps a sign-in, POSTs, GETs, close. */
export async function runPollingSession(ctx: TargetContext): Promise<void> {
  const { rng, counts, recent } = ctx;
  const token = ctx.tokens.length > 0 && rng.chance(0.7) ? rng.pick(ctx.tokens) : undefined;
  const cookie = cookieHeader(rng, token, !ctx.skipKnownCrashes && rng.chance(0.2));
  const headers: http.OutgoingHttpHeaders = cookie === undefined ? {} : { cookie };
  const query = handshakeQuery(rng);
  recent.add(`polling handshake ?${query} cookie ${describeBytes(cookie ?? '')}`);
  counts.connections += 1;
  counts.packets += 1;
  const open = await request(ctx, 'GET', `/socket.io/?${query}`, headers);
  countAnswer(counts, `HTTP ${open.status}`);
  const sid = /"sid":"([^"]+)"/.exec(open.body.toString())?.[1];
  if (open.status !== 200 || sid === undefined) return;
  const url = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
  let closing = false;
  const stopPolling = new AbortController();
  const polled = pollUntilClosed(ctx, url, headers, stopPolling.signal);
  const post = async (body: Buffer, contentType: string, packets: number) => {
    const method = rng.chance(0.02) ? 'PUT' : 'POST';
    const target = `/socket.io/?${sessionQuery(rng, sid)}`;
    recent.add(`polling ${method} ${target} ${describeBytes(body, 160)}`);
    counts.packets += packets;
    const answer = await request(ctx, method, target, { ...headers, 'content-type': contentType }, body);
    countAnswer(counts, `HTTP ${answer.status}`);
    return answer.status === 200;
  };
  if (rng.chance(0.8)) {
    const auth = rng.chance(0.9) && token ? `40${JSON.stringify({ token })}` : '40';
    await post(Buffer.from(auth), 'text/plain;charset=UTF-8', 1);
  }
  const steps = 1 + rng.int(40);
  let alive = true;
  for (let step = 0; step < steps && alive && ctx.serverAlive(); step += 1) {
    const { body, packets, contentType } = postBody(rng, step * 5);
    alive = await post(body, contentType, packets);
  }
  if (alive) {
    closing = true;
    await post(Buffer.from('1'), 'text/plain;charset=UTF-8', 1);
  }
  // The close answers a waiting GET at once; a session that died earlier may leave one hanging.
  const closedBeforeUs = await Promise.race([polled, new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
  stopPolling.abort();
  if (!alive || (!closing && closedBeforeUs)) counts.closedByServer += 1;
}
