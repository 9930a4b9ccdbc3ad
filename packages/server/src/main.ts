import { firstRunHint } from './admin/first-run.js';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { installLastResort } from './last-resort.js';
import { createProcessLogger } from './log.js';
import type { Metrics } from './metrics.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createProcessLogger(config.logLevel, config.logFormat);
  // Installed before anything can fail; it counts into the app's metrics once they exist.
  const counted: { metrics?: Metrics } = {};
  installLastResort(process, log, () => counted.metrics?.uncaughtErrors.inc());
  const database = await openDatabase(config);
  log.info({ database: database.kind, redis: config.redisUrl !== undefined }, 'database ready');
  const app = await createApp({ config, database, log });
  counted.metrics = app.metrics;
  const address = await app.listen();
  log.info({ address }, 'Parley is listening');
  const hint = await firstRunHint(config, database.db);
  if (hint) log.warn({ registration: config.registration }, hint);

  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
