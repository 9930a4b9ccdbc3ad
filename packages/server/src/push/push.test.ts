import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushNotice } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const kinds = await databaseKinds();

interface Received {
  path: string;
  authorization: string;
  encoding: string;
  body: Buffer;
}

/** A push service of our own: HTTPS on 127.0.0.1 with a certificate made for this test. */
async function startReceiver(): Promise<{
  port: number;
  ca: Buffer;
  received: Received[];
  gone: Set<string>;
  close(): void;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-push-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(path.join(dir, 'key.pem'));
  const cert = readFileSync(path.join(dir, 'cert.pem'));
  rmSync(dir, { recursive: true, force: true });
  const received: Received[] = [];
  const gone = new Set<string>();
  const server = https.createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      received.push({
        path: url,
        authorization: String(req.headers.authorization ?? ''),
        encoding: String(req.headers['content-encoding'] ?? ''),
        body: Buffer.concat(chunks),
      });
      res.writeHead(gone.has(url) ? 410 : 201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, ca: cert, received, gone, close: () => server.close() };
}

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authText: auth.toString('base64url') };
}

/** RFC 8291 (aes128gcm, RFC 8188), the receiving side, as a browser does it. */
function decrypt(body: Buffer, keys: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const shared = keys.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, keys.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  return padded.subarray(0, end).toString();
}

async function post(server: TestServer, route: string, body: unknown, token?: string): Promise<number> {
  const answer = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  await answer.arrayBuffer();
  return answer.status;
}

describe.each(kinds)('Web Push on %s', (kind) => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      kind,
      env: { PUSH_ENDPOINT_HOSTS: '127.0.0.1', PRESENCE_GRACE_MS: '0' },
      // Trusts exactly the receiver's certificate, for this test only.
      pushAgent: new https.Agent({ ca: receiver.ca }),
    });
  });
  afterAll(async () => {
    await server.close();
    receiver.close();
  });

  async function offline(watcher: TestUser, user: TestUser): Promise<void> {
    user.client.close();
    await eventually(async () => {
      const { buddies } = expectOk(await watcher.client.request('buddy:list', {}));
      return buddies.find((b) => b.user.id === user.user.id)?.status === 'offline' ? true : undefined;
    }, 15_000);
  }

  it('pushes who and what kind, never the text, for a private message, a mention and a call, only with no tab open', async () => {
    const key = (await (await fetch(`${server.url}/api/push/key`)).json()) as { publicKey: string };
    expect(Buffer.from(key.publicKey, 'base64url')).toHaveLength(65);

    const alice = await connectUser(server);
    const bob = await connectUser(server);
    expectOk(await alice.client.request('buddy:request', { username: bob.user.username }));
    expectOk(await bob.client.request('buddy:respond', { username: alice.user.username, accept: true }));
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('push') }));
    expectOk(await bob.client.joinRoom(room.id));
    const keys = browserKeys();
    const endpoint = `https://127.0.0.1:${receiver.port}/push/${bob.user.id}`;
    const subscription = { endpoint, expirationTime: null, keys: { p256dh: keys.p256dh, auth: keys.authText } };
    expect(await post(server, '/api/push/subscribe', { subscription }, bob.token)).toBe(201);

    // Bob has a tab open: no push.
    expectOk(
      await alice.client.request('dm:send', {
        to: bob.user.username,
        clientMsgId: crypto.randomUUID(),
        payload: 'online-ciphertext',
      }),
    );
    await offline(alice, bob);
    expectOk(
      await alice.client.request('dm:send', {
        to: bob.user.username,
        clientMsgId: crypto.randomUUID(),
        payload: 'SECRET-CIPHERTEXT',
      }),
    );
    expectOk(await alice.client.sendMessage(room.id, `hey @${bob.user.username} the SECRET-WORDS`));
    expectOk(
      await alice.client.request('call:signal', { to: bob.user.username, callId: 'c1', kind: 'offer', data: 'sdp' }),
    );

    const mine = () => receiver.received.filter((r) => r.path === `/push/${bob.user.id}`);
    await eventually(() => (mine().length >= 3 ? true : undefined), 15_000);
    const notices = mine().map((r) => {
      expect(r.encoding).toBe('aes128gcm');
      expect(r.authorization).toContain(`k=${key.publicKey}`);
      expect(r.body.toString('latin1')).not.toContain('SECRET');
      return JSON.parse(decrypt(r.body, keys)) as PushNotice;
    });
    expect(notices).toHaveLength(3);
    expect(notices).toEqual(
      expect.arrayContaining([
        { kind: 'dm', from: alice.user },
        { kind: 'mention', from: alice.user, roomId: room.id },
        { kind: 'call', from: alice.user },
      ]),
    );
    for (const n of notices) expect(JSON.stringify(n)).not.toContain('SECRET');

    // The push service says the subscription is gone: it is forgotten, and nothing more is sent there.
    receiver.gone.add(`/push/${bob.user.id}`);
    expectOk(
      await alice.client.request('dm:send', { to: bob.user.username, clientMsgId: crypto.randomUUID(), payload: 'x' }),
    );
    await eventually(() => (mine().length === 4 ? true : undefined), 15_000);
    await eventually(async () => {
      const rows = await server.database.db
        .selectFrom('push_subscriptions')
        .select('endpoint')
        .where('endpoint', '=', endpoint)
        .execute();
      return rows.length === 0 ? true : undefined;
    });
    alice.client.close();
  });

  it('refuses endpoints that are not https on a known push service, strangers, bad keys and big bodies', async () => {
    const bob = await connectUser(server);
    const mallory = await connectUser(server);
    const keys = browserKeys();
    const good = {
      endpoint: `https://127.0.0.1:${receiver.port}/push/m`,
      keys: { p256dh: keys.p256dh, auth: keys.authText },
    };
    expect(await post(server, '/api/push/subscribe', { subscription: good })).toBe(401);
    for (const endpoint of [
      `http://127.0.0.1:${receiver.port}/push/m`,
      'https://evil.example/push',
      'https://user:pw@127.0.0.1/push',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(await post(server, '/api/push/subscribe', { subscription: { ...good, endpoint } }, bob.token)).toBe(400);
    }
    for (const subscription of [
      { ...good, keys: { p256dh: 'short', auth: keys.authText } },
      { endpoint: good.endpoint },
      'x',
    ]) {
      expect(await post(server, '/api/push/subscribe', { subscription }, bob.token)).toBe(400);
    }
    expect(await post(server, '/api/push/subscribe', '{"subscription":', bob.token)).toBe(400);
    expect(await post(server, '/api/push/subscribe', { subscription: good, pad: 'x'.repeat(20_000) }, bob.token)).toBe(
      413,
    );
    expect(await post(server, '/api/push/unsubscribe', { endpoint: 5 }, bob.token)).toBe(400);

    // Mallory cannot remove bob's subscription.
    expect(await post(server, '/api/push/subscribe', { subscription: good }, bob.token)).toBe(201);
    expect(await post(server, '/api/push/unsubscribe', { endpoint: good.endpoint }, mallory.token)).toBe(204);
    const still = await server.database.db
      .selectFrom('push_subscriptions')
      .select('user_id')
      .where('endpoint', '=', good.endpoint)
      .execute();
    expect(still).toEqual([{ user_id: bob.user.id }]);
    expect(await post(server, '/api/push/unsubscribe', { endpoint: good.endpoint }, bob.token)).toBe(204);
    const none = await server.database.db
      .selectFrom('push_subscriptions')
      .select('user_id')
      .where('endpoint', '=', good.endpoint)
      .execute();
    expect(none).toEqual([]);
    bob.client.close();
    mallory.client.close();
  });
});
