import { TEST_REDIS_URL } from './services.js';
import { startTestServer, type TestServer } from './server.js';
import { uniqueName } from './clients.js';

/** How many refusals /metrics counts for one abuse limit. */
export async function refusalsCounted(server: TestServer, limit: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`parley_limit_refusals_total{limit="${limit}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

/** The warn-level log lines one abuse limit wrote. */
export function limitWarnings(server: TestServer, limit: string): string[] {
  return server.logs.filter((l) => l.includes('"level":40') && l.includes(`"limit":"${limit}"`));
}

/** Two instances on one PostgreSQL database and one Redis, under a prefix of their own. */
export async function startInstancePair(
  env: Record<string, string>,
): Promise<{ first: TestServer; second: TestServer; close(): Promise<void> }> {
  const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueName('test'), ...env };
  const first = await startTestServer({ kind: 'postgres', env: shared });
  const second = await startTestServer({ shareDataWith: first, env: shared });
  return {
    first,
    second,
    async close() {
      await second.app.close();
      await first.close();
    },
  };
}
