import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParleyClient } from '@parley/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_PASSWORD,
  TEST_REDIS_URL,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';
import { freePort } from '../test-support/own-redis.js';

/**
 * deploy/nginx/parley.conf, tested for real: Debian's nginx with that file (its {{…}} filled in)
 * and a self-signed certificate, in front of three instances on PostgreSQL and Redis. Under
 * CI=true a missing nginx fails the run (.ci/run installs it).
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file));
if (!NGINX && process.env.CI === 'true') throw new Error('nginx is required in CI (apt-get install nginx)');
await requireServices('postgres', 'redis');
const CONFIG = fileURLToPath(new URL('../../../../deploy/nginx/parley.conf', import.meta.url));
/** The address the test's client connects from: not nginx's own, so the test sees whose address Parley logs. */
const CLIENT_ADDRESS = '127.0.0.77';

function renderConfig(ports: number[], httpsPort: number, dir: string): string {
  const instances = ports.map((port) => `    server 127.0.0.1:${port};`).join('\n');
  const values: Record<string, string> = {
    INSTANCES: instances,
    HTTPS_PORT: `127.0.0.1:${httpsPort}`,
    SERVER_NAME: 'localhost',
    CERTIFICATE: path.join(dir, 'cert.pem'),
    CERTIFICATE_KEY: path.join(dir, 'key.pem'),
  };
  // Comment lines keep their {{…}}: they describe the placeholders.
  return readFileSync(CONFIG, 'utf8')
    .split('\n')
    .map((line) =>
      line.trimStart().startsWith('#')
        ? line
        : line.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => values[name] ?? _m),
    )
    .join('\n');
}

/** The smallest nginx.conf around the site file, every path inside the test's directory. */
function mainConfig(dir: string): string {
  const temp = (name: string) => path.join(dir, name);
  return `worker_processes 1;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log ${temp('access.log')};
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  include ${temp('parley.conf')};
}
`;
}

interface Answer {
  status: number;
  body: unknown;
}

function request(
  url: string,
  ca: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<Answer> {
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: init.method ?? 'GET',
        ca,
        localAddress: CLIENT_ADDRESS,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe.skipIf(!NGINX)('deploy/nginx/parley.conf in front of three instances (PostgreSQL, Redis)', () => {
  let dir: string;
  let ca: string;
  let base: string;
  let nginx: ChildProcess;
  const instances: TestServer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-nginx-'));
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, sub));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' }); // prettier-ignore
    ca = readFileSync(path.join(dir, 'cert.pem'), 'utf8');

    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('nginx'), TRUST_PROXY: '1' };
    instances.push(await startTestServer({ kind: 'postgres', env }));
    for (let i = 0; i < 2; i += 1) instances.push(await startTestServer({ shareDataWith: instances[0]!, env }));
    const ports = instances.map((server) => Number(new URL(server.url).port));

    const httpsPort = await freePort();
    writeFileSync(path.join(dir, 'parley.conf'), renderConfig(ports, httpsPort, dir));
    writeFileSync(path.join(dir, 'nginx.conf'), mainConfig(dir));
    execFileSync(NGINX!, ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'pipe' });
    nginx = spawn(NGINX!, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    base = `https://127.0.0.1:${httpsPort}`;
    await eventually(
      async () => ((await request(`${base}/readyz`, ca).catch(() => undefined))?.status === 200 ? true : undefined),
      20_000,
    );
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    for (const server of instances.slice(1)) await server.app.close();
    await instances[0]?.close();
    if (dir && process.env.KEEP_NGINX_DIR) console.log(readFileSync(path.join(dir, 'access.log'), 'utf8'));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in over HTTPS, and Parley sees the client’s address, not nginx’s', async () => {
    const username = uniqueName('tls');
    const registered = await request(`${base}/api/auth/register`, ca, {
      method: 'POST',
      body: { username, password: TEST_PASSWORD },
    });
    expect(registered.status).toBe(201);
    const signedIn = await request(`${base}/api/auth/login`, ca, {
      method: 'POST',
      body: { username, password: TEST_PASSWORD },
    });
    expect(signedIn.status).toBe(200);
    const { token } = signedIn.body as { token: string };
    const sessions = await request(`${base}/api/sessions`, ca, { token });
    expect(sessions.status).toBe(200);
    const listed = (sessions.body as { sessions: { address: string; current: boolean }[] }).sessions;
    expect(listed.map((s) => s.address)).toEqual([CLIENT_ADDRESS, CLIENT_ADDRESS]);
  });

  it('carries WebSocket chat across instances and a long-polling client, over TLS', async () => {
    const users: { token: string }[] = [];
    for (const name of ['ws-a', 'ws-b', 'poll']) {
      const answer = await request(`${base}/api/auth/register`, ca, {
        method: 'POST',
        body: { username: uniqueName(name), password: TEST_PASSWORD },
      });
      users.push(answer.body as { token: string });
    }
    const connect = (token: string, transport: 'websocket' | 'polling') =>
      ParleyClient.connect({ url: base, token, ca, transports: [transport], ackTimeoutMs: 10_000 });
    // Enough WebSocket clients that least_conn spreads them over more than one instance.
    const clients = [
      await connect(users[0]!.token, 'websocket'),
      await connect(users[1]!.token, 'websocket'),
      await connect(users[1]!.token, 'websocket'),
      await connect(users[1]!.token, 'websocket'),
      await connect(users[2]!.token, 'polling'),
    ];
    const [sender, ...receivers] = clients as [ParleyClient, ...ParleyClient[]];
    const { room } = expectOk(await sender.request('room:create', { name: uniqueName('tls') }));
    for (const client of receivers) expectOk(await client.request('room:join', { roomId: room.id }));
    const heard = receivers.map(() => [] as string[]);
    receivers.forEach((client, i) =>
      client.onMessages((_room, messages) => heard[i]!.push(...messages.map((m) => m.body))),
    );
    expectOk(await sender.sendMessage(room.id, 'through nginx'));
    const fromPolling = 'from the long-polling client';
    expectOk(await receivers[3]!.sendMessage(room.id, fromPolling));
    await eventually(() => (heard.every((bodies) => bodies.includes('through nginx')) ? true : undefined), 15_000);
    await eventually(() => (heard[0]!.includes(fromPolling) ? true : undefined), 15_000);
    // The WebSocket connections landed on more than one instance: this was chat across instances.
    const serving = instances.filter((server) => holdsConnections(server));
    expect(serving.length).toBeGreaterThan(1);
    for (const client of clients) client.close();
  });
});

/** Whether the instance holds a signed-in connection (each joins its user's channel, either transport). */
function holdsConnections(server: TestServer): boolean {
  return [...server.app.io.of('/').adapter.rooms.keys()].some((room) => room.startsWith('user:'));
}
