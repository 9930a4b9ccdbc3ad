import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitWarnings, refusalsCounted, startInstancePair } from '../test-support/abuse.js';
import { freshAddress, postFrom } from '../test-support/from-address.js';
import {
  TEST_PASSWORD,
  eventually,
  requireServices,
  startTestServer,
  uniqueName,
  type TestServer,
} from '../test-support/index.js';

const services = await requireServices('postgres', 'redis');

const register = (server: TestServer, from: string, username = uniqueName('r')) =>
  postFrom(from, `${server.url}/api/auth/register`, { username, password: TEST_PASSWORD });
const login = (server: TestServer, from: string, username: string, password: string) =>
  postFrom(from, `${server.url}/api/auth/login`, { username, password });

function expectRefused(answer: { status: number; body: unknown }, status: number, code: string): number {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({ error: { code } });
  const { retryAfterMs } = (answer.body as { error: { retryAfterMs: number } }).error;
  expect(retryAfterMs).toBeGreaterThan(0);
  return retryAfterMs;
}

describe('abuse limits on accounts, one instance', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { REGISTER_PER_IP_PER_HOUR: '3', LOGIN_MAX_FAILURES: '10', LOGIN_MAX_IP_FAILURES: '15' },
    });
  });
  afterAll(() => server.close());

  it('refuses registrations past the per-address limit with RATE_LIMITED, counted and logged once, and only for that address', async () => {
    const flooder = freshAddress();
    for (let i = 0; i < 3; i += 1) expect((await register(server, flooder)).status).toBe(201);
    const wait = expectRefused(await register(server, flooder), 429, 'RATE_LIMITED');
    expect(wait).toBeLessThanOrEqual(3600_000);
    expectRefused(await register(server, flooder), 429, 'RATE_LIMITED');
    expect((await register(server, freshAddress())).status).toBe(201);
    expect(await refusalsCounted(server, 'register-address')).toBe(2);
    await eventually(() => (limitWarnings(server, 'register-address').length > 0 ? true : undefined));
    expect(limitWarnings(server, 'register-address')).toHaveLength(1);
    expect(limitWarnings(server, 'register-address')[0]).not.toContain(TEST_PASSWORD);
  });

  it('ten wrong passwords from one address do not stop the right password from another address', async () => {
    const victim = uniqueName('victim');
    expect((await register(server, freshAddress(), victim)).status).toBe(201);
    const attacker = freshAddress();
    for (let i = 0; i < 10; i += 1) expect((await login(server, attacker, victim, `wrong-${i}-pw`)).status).toBe(401);
    expectRefused(await login(server, attacker, victim, TEST_PASSWORD), 429, 'RATE_LIMITED');
    const fromHome = await login(server, freshAddress(), victim, TEST_PASSWORD);
    expect(fromHome.status).toBe(200);
    expect(fromHome.body).toMatchObject({ user: { username: victim } });
    expect(await refusalsCounted(server, 'login-username-address')).toBeGreaterThanOrEqual(1);
    await eventually(() => (limitWarnings(server, 'login-username-address').length > 0 ? true : undefined));
    expect(limitWarnings(server, 'login-username-address').join('')).not.toContain('wrong-');
  });

  it('throttles one address guessing across many usernames, and no other address', async () => {
    const guesser = freshAddress();
    for (let i = 0; i < 15; i += 1) {
      expect((await login(server, guesser, uniqueName('ghost'), 'whatever1')).status).toBe(401);
    }
    const someone = uniqueName('someone');
    expect((await register(server, freshAddress(), someone)).status).toBe(201);
    expectRefused(await login(server, guesser, someone, TEST_PASSWORD), 429, 'RATE_LIMITED');
    expect((await login(server, freshAddress(), someone, TEST_PASSWORD)).status).toBe(200);
    expect(await refusalsCounted(server, 'login-address')).toBe(1);
  });

  it('forgets a name’s failures from an address once the right password is given there', async () => {
    const name = uniqueName('forgetful');
    const home = freshAddress();
    expect((await register(server, home, name)).status).toBe(201);
    // 7 + 7 failures pass the per-name limit (10) only if the sign-in between forgot the first 7.
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 7; i += 1) expect((await login(server, home, name, `oops-${i}-pw`)).status).toBe(401);
      expect((await login(server, home, name, TEST_PASSWORD)).status).toBe(200);
    }
  });
});

describe('the cap on argon2 work in flight, over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ARGON2_MAX_CONCURRENT: '1', ARGON2_MAX_WAITING: '0' } });
  });
  afterAll(() => server.close());

  it('answers a registration flood 201 or 503 UNAVAILABLE with retryAfterMs, each refusal counted', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => register(server, freshAddress())));
    const refused = answers.filter((a) => a.status !== 201);
    for (const answer of refused) expectRefused(answer, 503, 'UNAVAILABLE');
    // One runs at a time and none may wait: 20 registrations at once cannot all be served.
    expect(refused.length).toBeGreaterThan(0);
    expect(await refusalsCounted(server, 'argon2')).toBe(refused.length);
    await eventually(() => (limitWarnings(server, 'argon2').length > 0 ? true : undefined));
    expect(limitWarnings(server, 'argon2')).toHaveLength(1);
    const name = uniqueName('after');
    expect((await register(server, freshAddress(), name)).status).toBe(201);
    expect((await login(server, freshAddress(), name, TEST_PASSWORD)).status).toBe(200);
  });
});

describe.runIf(services.postgres && services.redis)('abuse limits on accounts across two instances on Redis', () => {
  let first: TestServer;
  let second: TestServer;
  let pair: Awaited<ReturnType<typeof startInstancePair>>;
  beforeAll(async () => {
    pair = await startInstancePair({ REGISTER_PER_IP_PER_HOUR: '2', LOGIN_MAX_FAILURES: '4' });
    ({ first, second } = pair);
  });
  afterAll(() => pair.close());

  it('counts registrations from one address on every instance together', async () => {
    const flooder = freshAddress();
    expect((await register(first, flooder)).status).toBe(201);
    expect((await register(second, flooder)).status).toBe(201);
    expectRefused(await register(first, flooder), 429, 'RATE_LIMITED');
    expectRefused(await register(second, flooder), 429, 'RATE_LIMITED');
    expect((await register(second, freshAddress())).status).toBe(201);
  });

  it('counts failed sign-ins on every instance together, and still lets the owner in from elsewhere', async () => {
    const victim = uniqueName('victim');
    expect((await register(first, freshAddress(), victim)).status).toBe(201);
    const attacker = freshAddress();
    expect((await login(first, attacker, victim, 'wrong-1-pw')).status).toBe(401);
    expect((await login(second, attacker, victim, 'wrong-2-pw')).status).toBe(401);
    expect((await login(first, attacker, victim, 'wrong-3-pw')).status).toBe(401);
    expect((await login(second, attacker, victim, 'wrong-4-pw')).status).toBe(401);
    expectRefused(await login(first, attacker, victim, TEST_PASSWORD), 429, 'RATE_LIMITED');
    expectRefused(await login(second, attacker, victim, TEST_PASSWORD), 429, 'RATE_LIMITED');
    expect((await login(second, freshAddress(), victim, TEST_PASSWORD)).status).toBe(200);
  });
});
