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

/** Alice sends Bob DMs carrying the marker: one delivered and acked, one left to expire. */
async function exchange(server: TestServer, marker: string): Promise<string[]> {
  const alice = await connectUser(server);
  const bob = await connectUser(server);
  const got: DmNew[] = [];
  bob.client.on('dm:new', (m) => got.push(m));
  expectOk(await bob.client.request('keys:publish', { publicKey: `pk-${randomUUID()}` }));
  const delivered = expectOk(
    await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: randomUUID(),
      payload: `hi ${marker}`,
      ttlSeconds: 1,
    }),
  );
  await eventually(() => (got.length === 1 ? true : undefined));
  expectOk(await bob.client.request('dm:ack', { ids: [delivered.id] }));
  bob.client.close();
  const expiring = expectOk(
    await alice.client.request('dm:send', {
      to: bob.user.username,
      clientMsgId: randomUUID(),
      payload: `bye ${marker}`,
      ttlSeconds: 1,
    }),
  );
  const expired: string[] = [];
  alice.client.on('dm:status', (s) => expired.push(s.status));
  await eventually(() => (expired.includes('expired') ? true : undefined), 4000);
  // Both TTLs have run out now: even the delivered message's retry marker must be gone.
  await new Promise((r) => setTimeout(r, 300));
  alice.client.close();
  return [delivered.id, expiring.id];
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
      const keys = await redis.keys(`${prefix}:dm*`);
      const values = await Promise.all(
        keys.map(async (k) => {
          const type = await redis.type(k);
          if (type === 'string') return (await redis.get(k)) ?? '';
          if (type === 'zset') return (await redis.zRange(k, 0, -1)).join(' ');
          return `${k}:${type}`;
        }),
      );
      await redis.quit();
      const redisText = keys.join(' ') + values.join(' ');
      const logs = server.logs.join('');
      for (const needle of [marker, ...ids]) {
        expect(dump).not.toContain(needle);
        expect(logs).not.toContain(needle);
        expect(redisText).not.toContain(needle);
      }
      await server.close();
    },
  );
});
