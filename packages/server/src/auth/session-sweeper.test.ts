import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { me } from '@parley/sdk';
import type { ConnectionStatus } from '@parley/sdk';
import { connectUser, databaseKinds, eventually, startTestServer, type TestServer } from '../test-support/index.js';
import { hashToken } from './auth.service.js';

async function expireAt(server: TestServer, token: string, at: Date): Promise<void> {
  await server.database.db
    .updateTable('sessions')
    .set({ expires_at: at.toISOString() })
    .where('token_hash', '=', hashToken(token))
    .execute();
}

const kinds = await databaseKinds();

describe.each(kinds)('expired sessions on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ kind });
  });
  afterAll(async () => {
    await server.close();
  });

  it('disconnect their sockets when they expire, while connected, not at the next hourly sweep', async () => {
    const soon = await connectUser(server);
    const later = await connectUser(server);
    const staying = await connectUser(server);
    for (const user of [soon, later, staying]) user.client.close();
    // Far enough ahead for the restart below (slow on a loaded machine) to finish first.
    const start = Date.now();
    await expireAt(server, soon.token, new Date(start + 5000));
    await expireAt(server, later.token, new Date(start + 7000));
    // The sweeper plans from the database at start-up; a restart makes it see the new expiries.
    await server.restart();
    const clients = await Promise.all(
      [soon, later, staying].map((user) => connectUser(server, { token: user.token, username: user.user.username })),
    );
    const closedAt = clients.map(() => 0);
    clients.forEach(({ client }, i) =>
      client.onStatus((status: ConnectionStatus) => {
        if (status === 'closed') closedAt[i] = Date.now();
      }),
    );
    await eventually(() => (closedAt[0] && closedAt[1] ? true : undefined), 12_000);
    expect(closedAt[0]).toBeGreaterThanOrEqual(start + 5000);
    expect(closedAt[1]).toBeGreaterThanOrEqual(start + 7000);
    expect(closedAt[2]).toBe(0);
    expect(clients[2]?.client.socket.connected).toBe(true);
    await expect(me(server.url, soon.token)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const stored = await server.database.db.selectFrom('sessions').select('token_hash').execute();
    expect(stored.map((row) => row.token_hash)).not.toContain(hashToken(soon.token));
    for (const { client } of clients) client.close();
  });

  it('that expired while the server was down are deleted at start-up and refused', async () => {
    const gone = await connectUser(server);
    gone.client.close();
    await expireAt(server, gone.token, new Date(Date.now() - 1000));
    await server.restart();
    await eventually(async () => {
      const rows = await server.database.db
        .selectFrom('sessions')
        .select('token_hash')
        .where('token_hash', '=', hashToken(gone.token))
        .execute();
      return rows.length === 0 ? true : undefined;
    });
    await expect(connectUser(server, { token: gone.token })).rejects.toThrow();
  });
});
