import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICES_MAX, DM_COPIES_MAX, type DmNew, type DmStatus } from '@parley/protocol';
import {
  TEST_REDIS_URL,
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
  type TestUser,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');
/** Room for the replay test's burst: the caps and the rate limit are tested elsewhere. */
const env = { DM_QUEUE_PER_PAIR: '200', DM_QUEUE_MAX: '200', RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' };
const setups: [string, () => Promise<TestServer>][] = [['the in-process outbox', () => startTestServer({ env })]];
if (services.postgres && services.redis) {
  setups.push([
    'the Redis outbox',
    () =>
      startTestServer({
        kind: 'postgres',
        env: { ...env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('devices') },
      }),
  ]);
}

/** One browser of a user: a connection bound to a device by publishing that device's key. */
interface Device {
  id: string;
  conn: TestUser;
  got: DmNew[];
  statuses: DmStatus[];
}

describe.each(setups)('private messages on every device, with %s', (_name, start) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server.close();
  });

  const opened: TestUser[] = [];
  afterAll(() => {
    for (const c of opened) c.client.close();
  });

  async function device(who?: TestUser, id: string = randomUUID()): Promise<Device> {
    const conn = who
      ? await connectUser(server, { token: who.token, username: who.user.username })
      : await connectUser(server);
    if (who) conn.user = who.user;
    opened.push(conn);
    const got: DmNew[] = [];
    const statuses: DmStatus[] = [];
    conn.client.on('dm:new', (m) => got.push(m));
    conn.client.on('dm:status', (s) => statuses.push(s));
    expectOk(await conn.client.request('keys:publish', { publicKey: `pk-${id}`, deviceId: id }));
    return { id, conn, got, statuses };
  }

  const copiesFor = (pairs: [Device, string][]) =>
    pairs.map(([d, text]) => ({ username: d.conn.user.username, deviceId: d.id, payload: text }));
  const send = (from: Device, to: Device, copies: ReturnType<typeof copiesFor>, clientMsgId = randomUUID()) =>
    from.conn.client.request('dm:send', { to: to.conn.user.username, clientMsgId, copies });

  it('lists every device key of a user, keeps the old answer, and removes a signed-out device', async () => {
    const ben1 = await device();
    const ben2 = await device(ben1.conn);
    const ana = await device();
    const keys = expectOk(await ana.conn.client.request('keys:get', { username: ben1.conn.user.username }));
    expect(keys.devices.map((d) => d.deviceId).sort()).toEqual([ben1.id, ben2.id].sort());
    expect(keys.publicKey).toBe(`pk-${keys.devices[0]?.deviceId ?? ''}`);
    // Another user's device id is not the caller's to remove.
    expect(await ana.conn.client.request('keys:remove', { deviceId: ben1.id })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expectOk(await ben2.conn.client.request('keys:remove', { deviceId: ben2.id }));
    const after = expectOk(await ana.conn.client.request('keys:get', { username: ben1.conn.user.username }));
    expect(after.devices.map((d) => d.deviceId)).toEqual([ben1.id]);
    expect(after.publicKey).toBe(`pk-${ben1.id}`);
  });

  it(`keeps at most ${DEVICES_MAX} devices: one more replaces the least recently published`, async () => {
    const first = await device();
    for (let i = 1; i <= DEVICES_MAX; i += 1) {
      expectOk(await first.conn.client.request('keys:publish', { publicKey: `pk-extra-${i}`, deviceId: `extra-${i}` }));
    }
    const keys = expectOk(await first.conn.client.request('keys:get', { username: first.conn.user.username }));
    expect(keys.devices).toHaveLength(DEVICES_MAX);
    expect(keys.devices.map((d) => d.deviceId)).not.toContain(first.id);
  });

  it("gives each device its own copy, the sender's other device what was sent, and delivered once", async () => {
    const ana1 = await device();
    const ana2 = await device(ana1.conn);
    const ben1 = await device();
    const ben2 = await device(ben1.conn);
    const sent = expectOk(
      await send(
        ana1,
        ben1,
        copiesFor([
          [ben1, 'for ben1'],
          [ben2, 'for ben2'],
          [ana2, 'for ana2'],
        ]),
      ),
    );
    expect(sent).toMatchObject({ status: 'queued', missingDevices: 0 });
    await eventually(() => (ben1.got.length && ben2.got.length && ana2.got.length ? true : undefined));
    expect(ben1.got.map((m) => m.payload)).toEqual(['for ben1']);
    expect(ben2.got.map((m) => m.payload)).toEqual(['for ben2']);
    expect(ana2.got[0]).toMatchObject({ payload: 'for ana2', from: ana1.conn.user, to: ben1.conn.user });
    expect(ana1.got).toEqual([]);
    // The sender's own device acknowledging its copy is no delivery.
    expectOk(await ana2.conn.client.request('dm:ack', { ids: [sent.id] }));
    expectOk(await ben2.conn.client.request('dm:ack', { ids: [sent.id] }));
    await eventually(() => (ana1.statuses.length ? true : undefined));
    expectOk(await ben1.conn.client.request('dm:ack', { ids: [sent.id] }));
    await new Promise((r) => setTimeout(r, 150));
    expect(ana1.statuses).toEqual([{ id: sent.id, status: 'delivered' }]);
    expect(ana2.statuses).toEqual([{ id: sent.id, status: 'delivered' }]);
  });

  it('hands a device its copies when it comes back, and counts devices left without one', async () => {
    const ana = await device();
    const ben1 = await device();
    const ben2 = await device(ben1.conn);
    ben2.conn.client.close();
    const sent = expectOk(await send(ana, ben1, copiesFor([[ben2, 'while away']])));
    expect(sent.missingDevices).toBe(1); // ben1 was given none
    const back = await device(ben1.conn, ben2.id);
    await eventually(() => (back.got.length ? true : undefined));
    expect(back.got[0]).toMatchObject({ id: sent.id, payload: 'while away', deviceId: ben2.id });
    expect(ben1.got).toEqual([]);
  });

  it('refuses, when asked for all devices, a send that leaves a device of either user without a copy', async () => {
    const ana1 = await device();
    const ben1 = await device();
    // Ana's second browser and Ben's second device arrive after Ana's list was read.
    const ana2 = await device(ana1.conn);
    const ben2 = await device(ben1.conn);
    const strict = (copies: ReturnType<typeof copiesFor>) =>
      ana1.conn.client.request('dm:send', {
        to: ben1.conn.user.username,
        clientMsgId: randomUUID(),
        copies,
        allDevices: true,
      });
    for (const copies of [
      copiesFor([[ben1, 'only ben1']]),
      copiesFor([
        [ben1, 'ben1'],
        [ben2, 'ben2'],
      ]),
    ]) {
      const refused = await strict(copies);
      expect(refused.ok ? undefined : refused.error).toMatchObject({ code: 'CONFLICT', reason: 'missing_devices' });
    }
    await new Promise((r) => setTimeout(r, 150));
    expect([...ben1.got, ...ben2.got, ...ana2.got]).toEqual([]);
    const sent = expectOk(
      await strict(
        copiesFor([
          [ben1, 'ben1'],
          [ben2, 'ben2'],
          [ana2, 'ana2'],
        ]),
      ),
    );
    expect(sent.missingDevices).toBe(0);
    // Malformed: the flag is a boolean, nothing else.
    const malformed = await ana1.conn.client.request('dm:send', {
      to: ben1.conn.user.username,
      clientMsgId: randomUUID(),
      copies: copiesFor([[ben1, 'x']]),
      allDevices: 'yes',
    } as never);
    expect(malformed.ok ? undefined : malformed.error.code).toBe('BAD_REQUEST');
    await eventually(() => (ben1.got.length && ben2.got.length && ana2.got.length ? true : undefined));
  });

  it('replays statuses to a sender who was away, also when it reconnects while the recipient acks', async () => {
    const ana = await device();
    const ben = await device();
    const count = 60;
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push(expectOk(await send(ana, ben, copiesFor([[ben, `m${i}`]]))).id);
    await eventually(() => (ben.got.length === count ? true : undefined));
    ana.conn.client.close();
    // Acks race the sender's reconnection: half before, half while it connects.
    const firstHalf = ids.slice(0, count / 2);
    expectOk(await ben.conn.client.request('dm:ack', { ids: firstHalf }));
    const [back] = await Promise.all([
      device(ana.conn, ana.id),
      (async () => {
        for (const id of ids.slice(count / 2)) expectOk(await ben.conn.client.request('dm:ack', { ids: [id] }));
      })(),
    ]);
    const seen = () => new Set(back.statuses.filter((s) => s.status === 'delivered').map((s) => s.id));
    await eventually(() => (ids.every((id) => seen().has(id)) ? true : undefined), 10_000);
    expect(back.statuses.every((s) => s.status === 'delivered')).toBe(true);
  });

  it('refuses copies for the wrong user, unknown or foreign devices, too many, too big, and malformed', async () => {
    const ana = await device();
    const ben = await device();
    const carol = await device();
    const to = ben.conn.user.username;
    const dm = (copies: unknown, extra: object = {}) =>
      // Hostile shapes on purpose: the type says what a well-behaved client sends.
      ana.conn.client.request('dm:send', { to, clientMsgId: randomUUID(), copies, ...extra } as never);
    const code = async (result: Promise<{ ok: boolean; error?: { code: string } }>) => (await result).error?.code;
    // A third user's device: not the recipient's, not the sender's.
    expect(await code(dm(copiesFor([[carol, 'x']])))).toBe('BAD_REQUEST');
    // Another user's device id under the recipient's name.
    expect(await code(dm([{ username: to, deviceId: carol.id, payload: 'x' }]))).toBe('CONFLICT');
    expect(await code(dm(copiesFor([[ana, 'only mine']])))).toBe('BAD_REQUEST');
    expect(
      await code(
        dm([
          { username: to, deviceId: ben.id, payload: 'a' },
          { username: to.toUpperCase(), deviceId: ben.id, payload: 'b' },
        ]),
      ),
    ).toBe('BAD_REQUEST');
    const many = Array.from({ length: DM_COPIES_MAX + 1 }, (_, i) => ({
      username: to,
      deviceId: `d${i}`,
      payload: 'x',
    }));
    expect(await code(dm(many))).toBe('BAD_REQUEST');
    expect(await code(dm([{ username: to, deviceId: ben.id, payload: 'x'.repeat(16_385) }]))).toBe('TOO_LARGE');
    expect(await code(dm([{ username: to, deviceId: 'not a device!', payload: 'x' }]))).toBe('BAD_REQUEST');
    expect(await code(dm(copiesFor([[ben, 'x']]), { payload: 'both' }))).toBe('BAD_REQUEST');
    expect(await code(dm([]))).toBe('BAD_REQUEST');
    expect(await code(dm('copies'))).toBe('BAD_REQUEST');
    expect(await code(ana.conn.client.request('keys:publish', { publicKey: 'pk', deviceId: '../../etc' }))).toBe(
      'BAD_REQUEST',
    );
    // Nothing of it reached anyone; a well-formed one still goes.
    expectOk(await dm(copiesFor([[ben, 'fine']])));
    await eventually(() => (ben.got.length ? true : undefined));
    expect(ben.got.map((m) => m.payload)).toEqual(['fine']);
    expect(carol.got).toEqual([]);
  });

  it("never lets another user's ack deliver a message", async () => {
    const ana = await device();
    const ben = await device();
    const mallory = await device();
    const sent = expectOk(await send(ana, ben, copiesFor([[ben, 'x']])));
    expectOk(await mallory.conn.client.request('dm:ack', { ids: [sent.id] }));
    await new Promise((r) => setTimeout(r, 200));
    expect(ana.statuses).toEqual([]);
    expectOk(await ben.conn.client.request('dm:ack', { ids: [sent.id] }));
    await eventually(() => (ana.statuses.length ? true : undefined));
  });

  it('marks a message from a non-buddy as a request, and a block stops messages, requests and calls', async () => {
    const ana = await device();
    const ben = await device();
    const anaName = ana.conn.user.username;
    const benName = ben.conn.user.username;
    expectOk(await send(ana, ben, copiesFor([[ben, 'hello stranger']])));
    await eventually(() => (ben.got.length ? true : undefined));
    expect(ben.got[0]?.request).toBe(true);
    expectOk(await ana.conn.client.request('buddy:request', { username: benName }));
    expectOk(await ben.conn.client.request('buddy:respond', { username: anaName, accept: true }));
    expectOk(await send(ana, ben, copiesFor([[ben, 'hello buddy']])));
    await eventually(() => (ben.got.length === 2 ? true : undefined));
    expect(ben.got[1]?.request).toBeUndefined();

    expectOk(await ben.conn.client.request('buddy:block', { username: anaName, blocked: true }));
    expect(expectOk(await ben.conn.client.request('buddy:list', {}))).toMatchObject({
      buddies: [],
      blocked: [ana.conn.user],
    });
    const refused = (r: { ok: boolean; error?: { code: string } }) => r.error?.code;
    expect(refused(await send(ana, ben, copiesFor([[ben, 'blocked']])))).toBe('FORBIDDEN');
    expect(refused(await ana.conn.client.request('buddy:request', { username: benName }))).toBe('FORBIDDEN');
    expect(refused(await ana.conn.client.request('call:signal', { to: benName, callId: 'c1', kind: 'offer' }))).toBe(
      'FORBIDDEN',
    );
    // The blocker cannot write to the blocked either (no one-way channel to harass from).
    expect(refused(await send(ben, ana, copiesFor([[ana, 'x']])))).toBe('FORBIDDEN');
    expect(
      refused(await ben.conn.client.request('buddy:block', { username: 'nobody_' + 'x'.repeat(5), blocked: true })),
    ).toBe('NOT_FOUND');
    expect(refused(await ben.conn.client.request('buddy:block', { username: benName, blocked: true }))).toBe(
      'BAD_REQUEST',
    );
    expectOk(await ben.conn.client.request('buddy:block', { username: anaName, blocked: false }));
    expectOk(await send(ana, ben, copiesFor([[ben, 'after unblock']])));
    await eventually(() => (ben.got.length === 3 ? true : undefined));
    expect(ben.got.map((m) => m.payload)).toEqual(['hello stranger', 'hello buddy', 'after unblock']);
  });

  it('still serves an old single-key client: one payload to every connection, acked by any', async () => {
    const ana = await device();
    const oldBen = await connectUser(server);
    opened.push(oldBen);
    const got: DmNew[] = [];
    oldBen.client.on('dm:new', (m) => got.push(m));
    expectOk(await oldBen.client.request('keys:publish', { publicKey: 'pk-old' }));
    const keys = expectOk(await ana.conn.client.request('keys:get', { username: oldBen.user.username }));
    expect(keys).toMatchObject({ publicKey: 'pk-old', devices: [{ deviceId: 'default', publicKey: 'pk-old' }] });
    const sent = expectOk(
      await ana.conn.client.request('dm:send', {
        to: oldBen.user.username,
        clientMsgId: randomUUID(),
        payload: 'old style',
      }),
    );
    expect(sent.missingDevices).toBeUndefined();
    await eventually(() => (got.length ? true : undefined));
    expectOk(await oldBen.client.request('dm:ack', { ids: [sent.id] }));
    await eventually(() => (ana.statuses.length ? true : undefined));
  });
});
