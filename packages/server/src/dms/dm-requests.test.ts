import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DmNew, DmRequestUpdate } from '@parley/protocol';
import {
  connectUser,
  databaseKinds,
  eventually,
  expectOk,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const kinds = await databaseKinds();
const dm = (to: string) => ({ to, clientMsgId: randomUUID(), payload: 'ciphertext' });

/** Sends one private message and answers it as the recipient's connection got it. */
async function sendAndReceive(from: TestUser, to: TestUser): Promise<DmNew> {
  const got: DmNew[] = [];
  const off = to.client.on('dm:new', (m) => got.push(m));
  const sent = expectOk(await from.client.request('dm:send', dm(to.user.username)));
  const received = await eventually(() => got.find((m) => m.id === sent.id));
  off();
  return received;
}

describe.each(kinds)('message requests on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  it("keeps the user's answer on the server, tells their other devices, and stops calling the sender's messages requests once accepted", async () => {
    const ana = await connectUser(server);
    const ben = await connectUser(server);
    const benPhone = await connectUser(server, { token: ben.token, username: ben.user.username });
    expect((await sendAndReceive(ana, ben)).request).toBe(true);

    const onPhone: DmRequestUpdate[] = [];
    benPhone.client.on('dm:request:update', (u) => onPhone.push(u));
    expectOk(
      await ben.client.request('dm:request:respond', { username: ana.user.username.toUpperCase(), accept: true }),
    );
    await eventually(() => (onPhone.length === 1 ? true : undefined));
    expect(onPhone[0]).toEqual({ user: ana.user, accept: true });

    // A device that starts later loads it; ana's next message is a normal one.
    const benLaptop = await connectUser(server, { token: ben.token, username: ben.user.username });
    expect(expectOk(await benLaptop.client.request('dm:request:list', {}))).toEqual({
      ok: true,
      accepted: [ana.user],
      ignored: [],
    });
    expect((await sendAndReceive(ana, benLaptop)).request).toBeUndefined();
    // Writing to ben accepted him for ana: his answers are no request on any of her devices.
    expect(expectOk(await ana.client.request('dm:request:list', {}))).toMatchObject({
      accepted: [ben.user],
      ignored: [],
    });
    expect((await sendAndReceive(ben, ana)).request).toBeUndefined();
    for (const c of [ana, ben, benPhone, benLaptop]) c.client.close();
  });

  it('keeps an ignored request as ignored on every device, and a later answer replaces it', async () => {
    const ana = await connectUser(server);
    const ben = await connectUser(server);
    const benPhone = await connectUser(server, { token: ben.token, username: ben.user.username });
    const onPhone: DmRequestUpdate[] = [];
    benPhone.client.on('dm:request:update', (u) => onPhone.push(u));
    expectOk(await ben.client.request('dm:request:respond', { username: ana.user.username, accept: false }));
    await eventually(() => (onPhone.length === 1 ? true : undefined));
    expect(onPhone[0]).toEqual({ user: ana.user, accept: false });
    expect(expectOk(await benPhone.client.request('dm:request:list', {}))).toMatchObject({
      accepted: [],
      ignored: [ana.user],
    });
    // Still a request (the app drops it quietly): ignoring is not accepting.
    expect((await sendAndReceive(ana, ben)).request).toBe(true);
    // Ben changes his mind on his phone; writing to ana himself would do the same.
    expectOk(await benPhone.client.request('dm:request:respond', { username: ana.user.username, accept: true }));
    expect(expectOk(await benPhone.client.request('dm:request:list', {}))).toMatchObject({
      accepted: [ana.user],
      ignored: [],
    });
    for (const c of [ana, ben, benPhone]) c.client.close();
  });

  it('refuses malformed answers, unknown users and oneself, and tells nobody', async () => {
    const ben = await connectUser(server);
    const onBen: DmRequestUpdate[] = [];
    ben.client.on('dm:request:update', (u) => onBen.push(u));
    for (const bad of [
      {},
      { username: 'ana' },
      { username: 'ana', accept: 'yes' },
      { username: 'a b', accept: true },
      { username: 'x'.repeat(200), accept: true },
      null,
      'ana',
    ]) {
      expect(await ben.client.request('dm:request:respond', bad as never)).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }
    expect(await ben.client.request('dm:request:list', 'all' as never)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await ben.client.request('dm:request:respond', { username: 'nobody_here_42', accept: true })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await ben.client.request('dm:request:respond', { username: ben.user.username, accept: true })).toMatchObject(
      { ok: false, error: { code: 'BAD_REQUEST' } },
    );
    expect(expectOk(await ben.client.request('dm:request:list', {}))).toMatchObject({ accepted: [], ignored: [] });
    expect(onBen).toEqual([]);
    ben.client.close();
  });
});

describe.each(kinds)('message requests, too fast, on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind, env: { RATE_LIMIT_PER_SEC: '5', RATE_LIMIT_BURST: '10' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers RATE_LIMITED with retryAfterMs to a burst of answers', async () => {
    const ana = await connectUser(server);
    const ben = await connectUser(server);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        ben.client.request('dm:request:respond', { username: ana.user.username, accept: i % 2 === 0 }),
      ),
    );
    const limited = answers.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    for (const a of limited) if (!a.ok) expect(a.error.retryAfterMs).toBeGreaterThan(0);
    expect(answers.filter((a) => a.ok).length).toBeGreaterThan(0);
    ana.client.close();
    ben.client.close();
  });
});
