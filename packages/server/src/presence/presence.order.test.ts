import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import type { PresenceStatus, ServerEventName, User } from '@parley/protocol';
import type { Logger } from '../log.js';
import type { Fanout } from '../realtime/fanout.js';
import type { RedisClient } from '../realtime/redis-adapter.js';
import { TEST_REDIS_URL, eventually, requireServices, uniqueName } from '../test-support/index.js';
import { createRedisPresence } from './presence.redis-tracker.js';
import { createPresenceService } from './presence.service.js';
import { createMemoryPresence, type PresenceTracker } from './presence.tracker.js';

/*
 * A user who drops and comes back while their offline is being announced (the offline waits for
 * its last-seen time to be written): the buddies must end with what is true, online, not with
 * the late offline. The chaos fault `senders reconnect while recipients ack` found it
 * (presenceWrong 1: a buddy's open app kept showing a connected user offline).
 */
const services = await requireServices('redis');
const GRACE_MS = 50;
const clients: RedisClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.quit();
});

const ben: User = { id: 'ben', username: 'ben' };
const silentLog = { warn: () => undefined } as unknown as Logger;

/** What the watcher (ben's buddy) is told, in the order the fan-out sends it. */
function recordingFanout(told: PresenceStatus[]): Fanout {
  const toUser = (_userId: string, event: ServerEventName, payload: unknown) => {
    if (event === 'presence') told.push((payload as { status: PresenceStatus }).status);
  };
  // Only toUser is used by presence; anything else would be a mistake of this test.
  const unused = () => {
    throw new Error('presence uses only toUser');
  };
  return new Proxy({} as Fanout, { get: (_target, name) => (name === 'toUser' ? toUser : unused) });
}

/** A last-seen write held until the test lets it go: the slow database write of an offline. */
function heldLastSeen() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const writing = new Promise<void>((resolve) => (started = resolve));
  const record = async () => {
    started();
    await released;
  };
  return { record, writing, release };
}

function serviceOn(tracker: PresenceTracker, told: PresenceStatus[], recordLastSeen: () => Promise<void>) {
  return createPresenceService({
    tracker,
    fanout: recordingFanout(told),
    log: silentLog,
    findUserById: (id) => Promise.resolve(id === ben.id ? ben : undefined),
    buddyIdsOf: () => Promise.resolve(['watcher']),
    recordLastSeen,
  });
}

async function redisTracker(prefix: string): Promise<PresenceTracker> {
  const client: RedisClient = createClient({ url: TEST_REDIS_URL });
  await client.connect();
  clients.push(client);
  return createRedisPresence(client, prefix, { graceMs: GRACE_MS, instanceTtlMs: 1000 });
}

type Pair = () => Promise<[PresenceTracker, PresenceTracker]>;
const setups: [string, Pair][] = [
  [
    'in-process, one instance',
    () => {
      const tracker = createMemoryPresence({ graceMs: GRACE_MS });
      return Promise.resolve([tracker, tracker]);
    },
  ],
];
if (services.redis) {
  setups.push([
    'redis, the user comes back on another instance',
    async () => {
      const prefix = uniqueName('order');
      return [await redisTracker(prefix), await redisTracker(prefix)];
    },
  ]);
}

describe.each(setups)('presence announcements (%s)', (_name, open) => {
  it('a late offline does not overwrite the online of the connection that came after it', async () => {
    const [first, second] = await open();
    const told: PresenceStatus[] = [];
    const lastSeen = heldLastSeen();
    const left = serviceOn(first, told, lastSeen.record);
    const came = first === second ? left : serviceOn(second, told, () => Promise.resolve());

    await first.connect(ben.id, 'c1');
    await left.idle();
    await first.disconnect(ben.id, 'c1');
    // The grace period ends: the offline is announced, and its last-seen write is slow.
    await lastSeen.writing;
    await second.connect(ben.id, 'c2');
    // The online of the new connection goes out first (it writes nothing)…
    await eventually(() => (told.length === 2 ? true : undefined));
    // …and then the offline's write finishes.
    lastSeen.release();
    await Promise.all([left.idle(), came.idle()]);

    const now = (await second.statusOf([ben.id])).get(ben.id);
    expect(now).toBe('online');
    expect(told.at(-1)).toBe(now);
    expect(told[0]).toBe('online');
  });

  it('an offline that is still true is announced, with its last-seen time written first', async () => {
    const [tracker] = await open();
    const told: PresenceStatus[] = [];
    const lastSeen = heldLastSeen();
    const service = serviceOn(tracker, told, lastSeen.record);
    await tracker.connect(ben.id, 'c1');
    await service.idle();
    await tracker.disconnect(ben.id, 'c1');
    await lastSeen.writing;
    expect(told).toEqual(['online']);
    lastSeen.release();
    await service.idle();
    expect(told).toEqual(['online', 'offline']);
  });
});
