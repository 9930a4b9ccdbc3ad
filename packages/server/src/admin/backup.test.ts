import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { login } from '@parley/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import {
  TEST_PASSWORD,
  connectUser,
  expectOk,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';
import { openAdmin } from './admin.js';
import { runCommand } from './commands.js';

describe('backup <file> (SQLite)', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('copies the database while the server writes; a server started on the copy has every user, room and message', async () => {
    const live = await startTestServer();
    servers.push(live);
    const users = await Promise.all([0, 1, 2].map(() => connectUser(live)));
    const rooms = [];
    for (const [i, user] of users.entries()) {
      const { room } = expectOk(await user.client.request('room:create', { name: uniqueName(`backup${i}`) }));
      rooms.push(room);
      for (let n = 0; n < 20; n += 1) expectOk(await user.client.sendMessage(room.id, `message ${n} in ${room.name}`));
    }
    // Sends keep going while the backup runs: it must still be one consistent snapshot.
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) await users[0]!.client.sendMessage(rooms[0]!.id, `during backup ${(n += 1)}`);
    })();

    const dir = mkdtempSync(path.join(tmpdir(), 'parley-restore-'));
    dirs.push(dir);
    const target = path.join(dir, 'parley.db');
    const out: string[] = [];
    const code = await runCommand(
      'backup',
      [target],
      () => openAdmin(live.config, createLogger('silent')),
      live.config,
      {
        stdin: new PassThrough(),
        out: (line) => out.push(line),
      },
    );
    writing = false;
    await writer;
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(target);
    await expect(
      runCommand('backup', [target], () => openAdmin(live.config, createLogger('silent')), live.config, {
        stdin: new PassThrough(),
        out: () => undefined,
      }),
    ).rejects.toThrow(/exists/);
    for (const user of users) user.client.close();

    const restored = await startTestServer({ env: { DATA_DIR: dir } });
    servers.push(restored);
    for (const [i, user] of users.entries()) {
      const session = await login(restored.url, user.user.username, TEST_PASSWORD);
      expect(session.user.id).toBe(user.user.id);
      const again = await connectUser(restored, { token: session.token });
      const joined = expectOk(await again.client.request('room:join', { roomId: rooms[i]!.id }));
      expect(joined.room.name).toBe(rooms[i]!.name);
      const messages = [...joined.messages];
      for (let before = Math.min(...messages.map((m) => m.seq)); before > 1;) {
        const page = expectOk(
          await again.client.request('room:history', { roomId: rooms[i]!.id, beforeSeq: before, limit: 100 }),
        );
        if (page.messages.length === 0) break;
        messages.push(...page.messages);
        before = Math.min(...page.messages.map((m) => m.seq));
      }
      const bodies = messages.map((m) => m.body);
      for (let n = 0; n < 20; n += 1) expect(bodies).toContain(`message ${n} in ${rooms[i]!.name}`);
      // The copy's sequence numbers run 1…n without a hole: a consistent snapshot, not a torn one.
      const seqs = [...new Set(messages.map((m) => m.seq))].sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, k) => k + 1));
      again.client.close();
    }
  });
});
