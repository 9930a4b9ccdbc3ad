import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { DmNew } from '@parley/protocol';
import {
  TEST_REDIS_URL,
  connectUser,
  eventually,
  expectOk,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');

/** Every row of every table of the server's database, as one JSON text. */
async function dumpDatabase(server: TestServer): Promise<string> {
  const tables =
    server.kind === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(server.database.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = 'public'`.execute(server.database.db);
  const dumps = await Promise.all(
    tables.rows.map(({ name }) => sql`select * from ${sql.table(name)}`.execute(server.database.db)),
  );
  return JSON.stringify(dumps.map((d) => d.rows));
}

function dataDirText(dir: string): string {
  return readdirSync(dir)
    .map((file) => readFileSync(path.join(dir, file)).toString('latin1'))
    .join('\n');
}

/**
 * Alice (two devices) sends Bob (two devices) DMs carrying the marker: one with a single
 * payload, one with a copy per device, both delivered and acked; one left to expire.
 */
async function exchange(server: TestServer, marker: string): Promise<string[]> {
  const alice = await connectUser(server);
  const alice2 = await connectUser(server, { token: alice.token });
  const bob = await connectUser(server);
  const bob2 = await connectUser(server, { token: bob.token });
  const got: DmNew[] = [];
  for (const c of [bob, bob2, alice2]) c.client.on('dm:new', (m) => got.push(m));
  const devices = { bob: randomUUID(), bob2: randomUUID(), alice: randomUUID(), alice2: randomUUID() };
  expectOk(await bob.client.request('keys:publish', { publicKey: `pk-${randomUUID()}`, deviceId: devices.bob }));
  expectOk(await bob2.client.request('keys:publish', { publicKey: `pk-${randomUUID()}`, deviceId: devices.bob2 }));
  expectOk(await alice.client.request('keys:publish', { publicKey: `pk-${randomUUID()}`, deviceId: devices.alice }));
  expectOk(await alice2.client.request('keys:publish', { publicKey: `pk-${randomUUID()}`, deviceId: devices.alice2 }));
  const delivered = expectOk(
    await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: randomUUID(),
      payload: `hi ${marker}`,
      ttlSeconds: 1,
    }),
  );
  const perDevice = expectOk(
    await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: randomUUID(),
      copies: [
        { username: bob.user.username, deviceId: devices.bob, payload: `b1 ${marker}` },
        { username: bob.user.username, deviceId: devices.bob2, payload: `b2 ${marker}` },
        { username: alice.user.username, deviceId: devices.alice2, payload: `a2 ${marker}` },
      ],
      ttlSeconds: 1,
    }),
  );
  await eventually(() => (got.length === 5 ? true : undefined));
  expectOk(await bob.client.request('dm:ack', { ids: [delivered.id, perDevice.id] }));
  expectOk(await bob2.client.request('dm:ack', { ids: [perDevice.id] }));
  expectOk(await alice2.client.request('dm:ack', { ids: [perDevice.id] }));
  bob.client.close();
  bob2.client.close();
  alice2.client.close();
  const expiring = expectOk(
    await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: randomUUID(),
      copies: [{ username: bob.user.username, deviceId: devices.bob, payload: `bye ${marker}` }],
      ttlSeconds: 1,
    }),
  );
  const expired: string[] = [];
  alice.client.on('dm:status', (s) => expired.push(s.status));
  await eventually(() => (expired.includes('expired') ? true : undefined), 4000);
  // Both TTLs have run out now: even the delivered message's retry marker must be gone.
  await new Promise((r) => setTimeout(r, 300));
  alice.client.close();
  return [delivered.id, perDevice.id, expiring.id];
}

describe('private messages leave no trace', () => {
  it('in the SQLite database, its files or the logs (in-process outbox)', async () => {
    const server = await startTestServer({ env: { LOG_LEVEL: 'trace' } });
    const marker = `otr-${randomUUID()}`;
    const ids = await exchange(server, marker);
    const dump = await dumpDatabase(server);
    expect(dump).toContain('pk-'); // the dump does see the tables
    await server.app.close(); // checkpoint the WAL into the file
    const files = dataDirText(server.config.dataDir);
    const logs = server.logs.join('');
    for (const needle of [marker, ...ids]) {
      expect(dump).not.toContain(needle);
      expect(files).not.toContain(needle);
      expect(logs).not.toContain(needle);
    }
    await server.close();
  });

  it.runIf(services.postgres && services.redis)(
    'in PostgreSQL, the logs, or Redis once the TTL has run out (Redis outbox)',
    async () => {
      const prefix = uniqueName('privacy');
      const server = await startTestServer({
        kind: 'postgres',
        env: { LOG_LEVEL: 'trace', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix },
      });
      const marker = `otr-${randomUUID()}`;
      const ids = await exchange(server, marker);
      const dump = await dumpDatabase(server);
      const redis = createClient({ url: TEST_REDIS_URL });
      await redis.connect();
      const redisText = async () => {
        const keys = await redis.keys(`${prefix}:dm*`);
        const values = await Promise.all(
          keys.map(async (k) => {
            const type = await redis.type(k);
            if (type === 'string') return (await redis.get(k)) ?? '';
            if (type === 'zset') return (await redis.zRange(k, 0, -1)).join(' ');
            if (type === 'set') return (await redis.sMembers(k)).join(' ');
            return `${k}:${type}`;
          }),
        );
        return keys.join(' ') + values.join(' ');
      };
      // No ciphertext (the marker) is left once the TTL has run out.
      expect(await redisText()).not.toContain(marker);
      // The ids wait a TTL more, in the statuses kept for a sender who was away; then they go too.
      await eventually(async () => {
        const text = await redisText();
        return ids.every((id) => !text.includes(id)) ? true : undefined;
      }, 5000);
      await redis.quit();
      const logs = server.logs.join('');
      for (const needle of [marker, ...ids]) {
        expect(dump).not.toContain(needle);
        expect(logs).not.toContain(needle);
      }
      await server.close();
    },
  );
});
