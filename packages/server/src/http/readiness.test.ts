import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  requireServices,
  startTcpProxy,
  startTestServer,
  TEST_REDIS_URL,
  uniqueName,
  type TcpProxy,
  type TestServer,
} from '../test-support/index.js';

const { redis } = await requireServices('redis');

describe.runIf(redis)('/readyz while Redis hangs', () => {
  let proxy: TcpProxy;
  let server: TestServer;

  beforeAll(async () => {
    const { port } = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(port || 6379) });
    server = await startTestServer({
      env: { REDIS_URL: proxy.urlFor(TEST_REDIS_URL), REDIS_PREFIX: uniqueName('ready') },
    });
  });
  afterAll(async () => {
    await proxy.restore();
    await server.close();
    await proxy.close();
  });

  async function timedReadyz(): Promise<{ status: number; body: unknown; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${server.url}/readyz`);
    return { status: res.status, body: await res.json(), ms: performance.now() - started };
  }

  it('answers 503 within a second, naming Redis, and 200 again once it answers', async () => {
    expect((await timedReadyz()).status).toBe(200);
    proxy.hang();
    // A health check must see an answer: the bound is the (it took 5 s before).
    const hung = await timedReadyz();
    expect(hung).toMatchObject({
      status: 503,
      body: { status: 'unavailable', checks: { database: 'ok', redis: 'down' } },
    });
    expect(hung.ms).toBeLessThan(1000);
    await proxy.restore();
    await eventually(async () => ((await timedReadyz()).status === 200 ? true : undefined), 10_000);
  });
});
