import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { me, register } from '@parley/sdk';
import { TEST_PASSWORD, metricValue, startTestServer, uniqueName, type TestServer } from '../test-support/index.js';

async function post(server: TestServer, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
}

const refusals = (server: TestServer) => metricValue(server, 'parley_request_refusals_total{reason="cross_site"}');

const stillSignedIn = async (server: TestServer, token: string) =>
  me(server.url, token).then(
    () => true,
    () => false,
  );

describe('cross-site requests with the session cookie', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ALLOWED_ORIGINS: 'https://chat.example.org' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a sign-out from another site, by Origin or by Sec-Fetch-Site, with FORBIDDEN', async () => {
    const { token } = await register(server.url, uniqueName(), TEST_PASSWORD);
    const cookie = `parley_session=${token}`;
    const before = await refusals(server);
    const crossSite: Record<string, string>[] = [
      { cookie, origin: 'https://evil.example.com' },
      { cookie, origin: 'null' },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'same-site' },
      // Same host, but a plain-HTTP page while the site is served over HTTPS.
      { cookie, origin: server.url, 'x-forwarded-proto': 'https' },
    ];
    for (const headers of crossSite) {
      expect(await post(server, '/api/auth/logout', headers)).toEqual({
        status: 403,
        body: { error: { code: 'FORBIDDEN', message: 'cross-site request refused' } },
      });
    }
    expect(await stillSignedIn(server, token)).toBe(true);
    expect(await refusals(server)).toBe(before + 5);
    const warnings = server.logs.filter((line) => line.includes('cross-site request refused'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join('\n')).not.toContain(token);
  });

  it('refuses a cross-site sign-in or registration, which would sign the visitor into another account', async () => {
    const credentials = { username: uniqueName(), password: TEST_PASSWORD };
    const origin = { origin: 'https://evil.example.com' };
    expect((await post(server, '/api/auth/register', origin, credentials)).status).toBe(403);
    expect((await post(server, '/api/auth/login', origin, credentials)).status).toBe(403);
  });

  it('accepts a sign-out from this site or an allowed origin', async () => {
    for (const origin of [server.url, 'https://chat.example.org']) {
      const { token } = await register(server.url, uniqueName(), TEST_PASSWORD);
      const headers = { cookie: `parley_session=${token}`, origin, 'sec-fetch-site': 'same-origin' };
      expect((await post(server, '/api/auth/logout', headers)).status).toBe(204);
      expect(await stillSignedIn(server, token)).toBe(false);
    }
  });

  it('does not affect bearer-token requests or clients that are not browsers', async () => {
    const first = await register(server.url, uniqueName(), TEST_PASSWORD);
    const bearer = { authorization: `Bearer ${first.token}`, origin: 'https://evil.example.com' };
    expect((await post(server, '/api/auth/logout', bearer)).status).toBe(204);
    expect(await stillSignedIn(server, first.token)).toBe(false);
    const second = await register(server.url, uniqueName(), TEST_PASSWORD);
    expect((await post(server, '/api/auth/logout', { cookie: `parley_session=${second.token}` })).status).toBe(204);
    expect(await stillSignedIn(server, second.token)).toBe(false);
  });

  it('still answers reads from anywhere', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://evil.example.com' } });
    expect(response.status).toBe(200);
  });
});
