import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInfo, Message } from '@parley/protocol';
import { createLogger } from '../log.js';
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
import { createDiskStorage } from './file-storage.js';
import { createFilesService } from './files.service.js';

const kinds = await databaseKinds();
const LIMIT = 200_000;

/** A JPEG that carries a GPS position in its EXIF, as phones write them. */
async function photoWithLocation(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a7' } })
    .jpeg()
    .withExif({ IFD0: { Make: 'PhoneCo' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 30/1' } })
    .toBuffer();
}

describe.each(kinds)('files on %s', (kind) => {
  let server: TestServer;
  const open: TestUser[] = [];
  beforeAll(async () => {
    server = await startTestServer({ kind, env: { MAX_UPLOAD_BYTES: String(LIMIT) } });
  });
  afterAll(async () => {
    for (const u of open) u.client.close();
    await server.close();
  });

  async function user(): Promise<TestUser> {
    const u = await connectUser(server);
    open.push(u);
    return u;
  }

  async function upload(token: string | undefined, bytes: Buffer, name: string, type: string) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
    const response = await fetch(`${server.url}/api/files`, {
      method: 'POST',
      body: form,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    return { status: response.status, body: (await response.json()) as { file?: FileInfo; error?: { code: string } } };
  }

  async function fetchFile(token: string, url: string) {
    const response = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${token}` } });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  async function roomOf(owner: TestUser, ...members: TestUser[]) {
    const { room } = expectOk(await owner.client.request('room:create', { name: uniqueName('f') }));
    for (const m of members) expectOk(await m.client.joinRoom(room.id));
    return room;
  }

  it('keeps an image without its EXIF location, with its size and a preview made by the server', async () => {
    const alice = await user();
    const photo = await photoWithLocation();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const { status, body } = await upload(alice.token, photo, 'holiday.jpg', 'image/jpeg');
    expect(status).toBe(201);
    const file = body.file!;
    expect(file).toMatchObject({ name: 'holiday.jpg', contentType: 'image/jpeg', width: 640, height: 480 });
    const original = await fetchFile(alice.token, file.url);
    expect(original.response.status).toBe(200);
    expect(original.response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(original.response.headers.get('content-disposition')).toMatch(/^inline/);
    const meta = await sharp(original.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(original.bytes.includes(Buffer.from('PhoneCo'))).toBe(false);
    const preview = await fetchFile(alice.token, file.previewUrl!);
    expect(preview.response.headers.get('content-type')).toBe('image/webp');
    const previewMeta = await sharp(preview.bytes).metadata();
    expect(Math.max(previewMeta.width, previewMeta.height)).toBeLessThanOrEqual(320);
  });

  it('serves anything a browser would run as a download, never inline, never sniffed', async () => {
    const alice = await user();
    const cases: [string, string, string][] = [
      ['page.html', 'text/html', '<script>alert(1)</script>'],
      ['logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ['app.js', 'text/javascript', 'alert(1)'],
      ['fake.png', 'image/png', '<html><script>alert(1)</script></html>'],
    ];
    for (const [name, type, text] of cases) {
      const { status, body } = await upload(alice.token, Buffer.from(text), name, type);
      expect(status).toBe(201);
      expect(body.file?.previewUrl).toBeUndefined();
      const got = await fetchFile(alice.token, body.file!.url);
      expect(got.response.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(got.response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(got.response.headers.get('content-type')).not.toMatch(/^image\//);
      expect(got.bytes.toString()).toBe(text);
    }
  });

  it('serves a file to the uploader and the members of a room where a message carries it, to no one else', async () => {
    const [alice, bob, outsider] = await Promise.all([user(), user(), user()]);
    const room = await roomOf(alice, bob);
    const { body } = await upload(alice.token, Buffer.from('minutes of the meeting'), 'notes.txt', 'text/plain');
    const file = body.file!;
    // Not yet on a message: only the uploader sees it.
    expect((await fetchFile(bob.token, file.url)).response.status).toBe(404);
    const heard: Message[] = [];
    bob.client.on('message:new', (p) => heard.push(...p.messages));
    const sent = expectOk(
      await alice.client.request('message:send', {
        roomId: room.id,
        clientMsgId: randomUUID(),
        body: '',
        attachments: [file.id],
      }),
    );
    expect(sent.message.attachments?.map((f) => f.id)).toEqual([file.id]);
    await eventually(() => (heard.some((m) => m.attachments?.[0]?.id === file.id) ? true : undefined), 10_000);
    const history = expectOk(await bob.client.request('room:history', { roomId: room.id }));
    expect(history.messages.at(-1)?.attachments?.[0]).toMatchObject({ id: file.id, name: 'notes.txt' });
    expect((await fetchFile(bob.token, file.url)).bytes.toString()).toBe('minutes of the meeting');
    expect((await fetchFile(outsider.token, file.url)).response.status).toBe(404);
    // Kicked: no longer a member, no longer served.
    expectOk(await alice.client.request('room:kick', { roomId: room.id, username: bob.user.username }));
    expect((await fetchFile(bob.token, file.url)).response.status).toBe(404);
    const anonymous = await fetch(`${server.url}${file.url}`);
    expect(anonymous.status).toBe(401);
  });

  it('refuses attachments that are not the sender’s, unknown, reused, too many, or an empty message', async () => {
    const [alice, bob] = await Promise.all([user(), user()]);
    const room = await roomOf(alice, bob);
    const mine = (await upload(alice.token, Buffer.from('a'), 'a.txt', 'text/plain')).body.file!;
    const send = (u: TestUser, attachments: string[] | undefined, body = 'with files') =>
      u.client.request('message:send', {
        roomId: room.id,
        clientMsgId: randomUUID(),
        body,
        ...(attachments ? { attachments } : {}),
      });
    expect(await send(bob, [mine.id])).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await send(alice, [randomUUID()])).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await send(alice, ['../../etc/passwd'])).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await send(alice, [mine.id, mine.id])).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(
      await send(
        alice,
        Array.from({ length: 11 }, () => mine.id),
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await send(alice, undefined, '  ')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expectOk(await send(alice, [mine.id]));
    expect(await send(alice, [mine.id])).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('refuses uploads: signed out, too big, not multipart, malformed, no file part', async () => {
    const alice = await user();
    expect((await upload(undefined, Buffer.from('x'), 'x.txt', 'text/plain')).status).toBe(401);
    const big = await upload(alice.token, Buffer.alloc(LIMIT + 1), 'big.bin', 'application/octet-stream');
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'TOO_LARGE' } } });
    const exact = await upload(alice.token, Buffer.alloc(LIMIT), 'exact.bin', 'application/octet-stream');
    expect(exact.status).toBe(201);
    const raw = async (contentType: string, body: string) => {
      const response = await fetch(`${server.url}/api/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': contentType },
        body,
      });
      return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
    };
    expect(await raw('application/json', '{"file":"x"}')).toMatchObject({ status: 400 });
    const cut = '--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\nunfinished';
    expect((await raw('multipart/form-data; boundary=b', cut)).status).toBeGreaterThanOrEqual(400);
    expect((await raw('multipart/form-data; boundary=b', cut)).status).toBeLessThan(500);
    const field = '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nvalue\r\n--b--\r\n';
    expect(await raw('multipart/form-data; boundary=b', field)).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    });
    expect((await raw('multipart/form-data', 'no boundary')).status).toBe(400);
  });

  it('answers 404 to wrong and traversal-looking ids', async () => {
    const alice = await user();
    const paths = [
      `/api/files/${randomUUID()}`,
      `/api/files/${randomUUID()}/preview`,
      '/api/files/..%2F..%2Fparley.db',
      '/api/files/%2e%2e',
      '/api/files/..%5C..%5Cetc%5Cpasswd',
    ];
    // Fastify's router refuses an over-long path parameter before any route: 400 BAD_REQUEST with
    // the protocol's error body (app.ts, frameworkErrors), also a refusal that tells nothing.
    const tooLong = `/api/files/${'a'.repeat(5000)}`;
    for (const p of [...paths, tooLong]) {
      // http.request sends the path as written (fetch would normalise the dots away).
      const status = await new Promise<number>((resolve, reject) => {
        const url = new URL(server.url);
        const req = http.request(
          { host: url.hostname, port: url.port, path: p, headers: { authorization: `Bearer ${alice.token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status, p).toBe(p === tooLong ? 400 : 404);
    }
  });

  it('deletes the files of a deleted message, and of a deleted room, bytes and all', async () => {
    const alice = await user();
    const room = await roomOf(alice);
    const first = (await upload(alice.token, await photoWithLocation(), 'a.jpg', 'image/jpeg')).body.file!;
    const second = (await upload(alice.token, Buffer.from('b'), 'b.txt', 'text/plain')).body.file!;
    const sent = expectOk(
      await alice.client.request('message:send', {
        roomId: room.id,
        clientMsgId: randomUUID(),
        body: 'x',
        attachments: [first.id],
      }),
    );
    expectOk(
      await alice.client.request('message:send', {
        roomId: room.id,
        clientMsgId: randomUUID(),
        body: 'y',
        attachments: [second.id],
      }),
    );
    const files = createFilesService({
      db: server.database.db,
      storage: createDiskStorage(server.config.filesDir),
      incomingDir: server.config.dataDir,
      log: createLogger('silent'),
    });
    const onDisk = (id: string) => existsSync(path.join(server.config.filesDir, id));
    expect(onDisk(first.id) && onDisk(`${first.id}.preview`)).toBe(true);
    await files.forgetMessageFiles(sent.message.id);
    expect(onDisk(first.id) || onDisk(`${first.id}.preview`)).toBe(false);
    expect((await fetchFile(alice.token, first.url)).response.status).toBe(404);
    expect(onDisk(second.id)).toBe(true);
    expectOk(await alice.client.request('room:delete', { roomId: room.id }));
    expect(onDisk(second.id)).toBe(false);
    expect((await fetchFile(alice.token, second.url)).response.status).toBe(404);
  });
});
