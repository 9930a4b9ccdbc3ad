import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireServices } from '../packages/server/src/test-support/services.js';
import { serverMain } from './cluster.js';
import { fullRun, runChaos, shortRun, type ChaosSettings } from './run.js';

/*
 * The chaos suite: three Parley processes on PostgreSQL and Redis behind a failover proxy, real
 * SDK clients, one fault after another. `npm test` runs the short form; `npm run chaos` the full
 * one (CHAOS_RUN=full). Either fails on any violation and prints the table of figures.
 */
const full = process.env.CHAOS_RUN === 'full';
const chosen = process.env.CHAOS_FAULTS?.split(',') as ChaosSettings['faults'] | undefined;
// CHAOS_FAULTS=sigkill,redisRestart runs only those faults (to look into one).
const settings = { ...(full ? fullRun : shortRun), ...(chosen ? { faults: chosen } : {}) };
const services = await requireServices('postgres');

describe.runIf(services.postgres)('chaos', () => {
  it(
    `keeps messages, statuses, presence and processes right through ${settings.faults.join(', ')}`,
    async () => {
      expect(existsSync(serverMain), 'run `npm run build` first: the suite starts the built server').toBe(true);
      const report = await runChaos(settings);
      console.log(`\nchaos (${full ? 'full' : 'short'} run, ${report.seconds.toFixed(0)} s)\n${report.table}\n`);
      expect(report.violations, report.table).toBe(0);
    },
    // Generous: on a loaded machine instances take long to start; every wait inside is bounded.
    full ? 1_200_000 : 480_000,
  );
});
