import { describe, expect, it } from 'vitest';
import { login } from '@parley/sdk';
import { connectUser, expectOk, startTestServer, uniqueName } from './test-support/index.js';

describe('logs', () => {
  it('carry ids and outcomes but never bodies, passwords or tokens', async () => {
    const server = await startTestServer({ env: { LOG_LEVEL: 'trace' } });
    const marker = `secret-${crypto.randomUUID()}`;
    const alice = await connectUser(server);
    await login(server.url, alice.user.username, `wrong-${marker}`).catch(() => undefined);
    const { room } = expectOk(await alice.client.request('room:create', { name: uniqueName('log') }));
    expectOk(await alice.client.sendMessage(room.id, `body ${marker}`));
    await fetch(`${server.url}/api/me`, { headers: { cookie: `parley_session=${alice.token}` } });
    alice.client.close();
    await server.close();
    const text = server.logs.join('');
    expect(text.length).toBeGreaterThan(0);
    expect(text).toContain('/api/auth/login');
    expect(text).not.toContain(marker);
    expect(text).not.toContain(alice.token);
  });
});
