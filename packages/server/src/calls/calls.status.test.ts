import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallStatus, ServerEventPayloads } from '@parley/protocol';
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

type Heard = { signals: ServerEventPayloads['call:signal'][]; statuses: CallStatus[] };

function listen(user: TestUser): Heard {
  const heard: Heard = { signals: [], statuses: [] };
  user.client.on('call:signal', (s) => heard.signals.push(s));
  user.client.on('call:status', (s) => heard.statuses.push(s));
  return heard;
}

async function befriend(a: TestUser, b: TestUser) {
  expectOk(await a.client.request('buddy:request', { username: b.user.username }));
  expectOk(await b.client.request('buddy:respond', { username: a.user.username, accept: true }));
}

const offer = (to: TestUser, callId: string) => ({
  to: to.user.username,
  callId,
  kind: 'offer' as const,
  data: 'sealed',
});
const reply = (to: TestUser, callId: string, kind: 'answer' | 'reject' | 'hangup') => ({
  to: to.user.username,
  callId,
  kind,
});
const statusesOf = (heard: Heard, callId: string) =>
  heard.statuses.filter((s) => s.callId === callId).map((s) => s.status);
const has = (heard: Heard, callId: string, status: string) =>
  statusesOf(heard, callId).includes(status as CallStatus['status']) ? true : undefined;

/** The ledger's behaviour, on one instance (memory) and on two sharing Redis. */
function ledgerSuite(start: () => Promise<[TestServer, TestServer]>, stop: () => Promise<void>) {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    [first, second] = await start();
  });
  afterAll(stop);

  async function trio() {
    const alice = await connectUser(first);
    const bob = await connectUser(second);
    const bobOtherTab = await connectUser(first, { token: bob.token, username: bob.user.username });
    await befriend(alice, bob);
    return { alice, bob, bobOtherTab, a: listen(alice), b: listen(bob), b2: listen(bobOtherTab) };
  }

  it('tells the callee’s other tabs that one answered, and relays the answer', async () => {
    const { alice, bob, bobOtherTab, a, b, b2 } = await trio();
    expectOk(await alice.client.request('call:signal', offer(bob, 'ans-1')));
    await eventually(() => (b.signals.length && b2.signals.length ? true : undefined));
    expectOk(await bob.client.request('call:signal', reply(alice, 'ans-1', 'answer')));
    await eventually(() => has(b2, 'ans-1', 'answered-elsewhere'));
    await eventually(() => (a.signals.some((s) => s.kind === 'answer') ? true : undefined));
    // A second answer (another tab, late) is relayed but is no longer "the" answer.
    expectOk(await bobOtherTab.client.request('call:signal', reply(alice, 'ans-1', 'answer')));
    expect(statusesOf(b2, 'ans-1')).toEqual(['answered-elsewhere']);
    for (const u of [alice, bob, bobOtherTab]) u.client.close();
  });

  it('tells the callee’s other tabs that one declined', async () => {
    const { alice, bob, bobOtherTab, a, b2 } = await trio();
    expectOk(await alice.client.request('call:signal', offer(bob, 'dec-1')));
    expectOk(await bob.client.request('call:signal', reply(alice, 'dec-1', 'reject')));
    await eventually(() => has(b2, 'dec-1', 'declined-elsewhere'));
    await eventually(() => (a.signals.some((s) => s.kind === 'reject') ? true : undefined));
    for (const u of [alice, bob, bobOtherTab]) u.client.close();
  });

  it('answers "busy" for a callee in another call, without ringing them; free again after hangup', async () => {
    const { alice, bob, bobOtherTab, b } = await trio();
    const carol = await connectUser(second);
    await befriend(carol, bob);
    const c = listen(carol);
    expectOk(await alice.client.request('call:signal', offer(bob, 'busy-1')));
    expectOk(await bob.client.request('call:signal', reply(alice, 'busy-1', 'answer')));
    expectOk(await carol.client.request('call:signal', offer(bob, 'busy-2')));
    await eventually(() => has(c, 'busy-2', 'busy'));
    expect(b.signals.filter((s) => s.callId === 'busy-2')).toEqual([]);
    // A third party cannot end someone else's call by guessing its id.
    expectOk(await carol.client.request('call:signal', reply(bob, 'busy-1', 'hangup')));
    expectOk(await carol.client.request('call:signal', offer(bob, 'busy-3')));
    await eventually(() => has(c, 'busy-3', 'busy'));
    expectOk(await alice.client.request('call:signal', reply(bob, 'busy-1', 'hangup')));
    expectOk(await carol.client.request('call:signal', offer(bob, 'busy-4')));
    await eventually(() => (b.signals.some((s) => s.callId === 'busy-4') ? true : undefined));
    for (const u of [alice, bob, bobOtherTab, carol]) u.client.close();
  });

  it('rings out: the callee hears "missed", the caller "no-answer", and the callee is free again', async () => {
    const { alice, bob, bobOtherTab, a, b, b2 } = await trio();
    expectOk(await alice.client.request('call:signal', offer(bob, 'miss-1')));
    await eventually(() => has(a, 'miss-1', 'no-answer'), 10_000);
    await eventually(() => has(b, 'miss-1', 'missed'));
    await eventually(() => has(b2, 'miss-1', 'missed'));
    expectOk(await alice.client.request('call:signal', offer(bob, 'miss-2')));
    await eventually(() => (b.signals.some((s) => s.callId === 'miss-2') ? true : undefined));
    for (const u of [alice, bob, bobOtherTab]) u.client.close();
  });

  it('an answered call does not ring out', async () => {
    const { alice, bob, bobOtherTab, a } = await trio();
    expectOk(await alice.client.request('call:signal', offer(bob, 'kept-1')));
    expectOk(await bob.client.request('call:signal', reply(alice, 'kept-1', 'answer')));
    // Past the ringing timeout (1.5 s): a marker call rings out, the answered one must not.
    expectOk(await alice.client.request('call:signal', offer(bobOtherTab, 'kept-marker')));
    await eventually(() => has(a, 'kept-marker', 'busy'));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(statusesOf(a, 'kept-1')).toEqual([]);
    for (const u of [alice, bob, bobOtherTab]) u.client.close();
  });

  it('tells the peer when the connection holding the call closes (ringing or under way)', async () => {
    const { alice, bob, bobOtherTab, a, b, b2 } = await trio();
    expectOk(await alice.client.request('call:signal', offer(bob, 'left-1')));
    alice.client.close();
    await eventually(() => has(b, 'left-1', 'peer-left'));
    await eventually(() => has(b2, 'left-1', 'peer-left'));

    const alice2 = await connectUser(first, { token: alice.token, username: alice.user.username });
    const a2 = listen(alice2);
    expectOk(await alice2.client.request('call:signal', offer(bob, 'left-2')));
    expectOk(await bob.client.request('call:signal', reply(alice2, 'left-2', 'answer')));
    bob.client.close();
    await eventually(() => has(a2, 'left-2', 'peer-left'));
    expect(a.statuses).toEqual([]);
    for (const u of [alice2, bobOtherTab]) u.client.close();
  });
}

describe('call status on one instance', () => {
  let server: TestServer;
  ledgerSuite(
    async () => {
      server = await startTestServer({ env: { CALL_RING_TIMEOUT_MS: '1500' } });
      return [server, server];
    },
    () => server.close(),
  );
});

const services = await requireServices('postgres', 'redis');

describe.runIf(services.postgres && services.redis)('call status across two instances sharing Redis', () => {
  let first: TestServer;
  let second: TestServer;
  ledgerSuite(
    async () => {
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('test'), CALL_RING_TIMEOUT_MS: '1500' };
      first = await startTestServer({ kind: 'postgres', env });
      second = await startTestServer({ shareDataWith: first, env });
      return [first, second];
    },
    async () => {
      await second.app.close();
      await first.close();
    },
  );
});
