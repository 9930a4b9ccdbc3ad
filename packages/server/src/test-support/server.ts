import { mkdtempSync, rmSync } from 'node:fs';
import type { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createApp, type App } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database, type DbKind } from '../db/database.js';
import { createLogger } from '../log.js';
import { TEST_POSTGRES_URL } from './services.js';

export interface TestServer {
  url: string;
  kind: DbKind;
  app: App;
  config: Config;
  database: Database;
  /** Every log line the server wrote, as text. */
  logs: string[];
  /** Stops the server (gracefully) and starts a new one on the same data and the same port. */
  restart(): Promise<void>;
  /** Stops the server (gracefully) until start(): an outage as long as the test likes. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same data and the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  kind?: DbKind;
  /** Environment-style overrides, e.g. { RATE_LIMIT_PER_SEC: '5' }. */
  env?: Record<string, string>;
  /** Reuse another server's data (a second instance on the same database). */
  shareDataWith?: TestServer;
  /** The agent Web Push requests go through (the push test's receiver has its own certificate). */
  pushAgent?: HttpsAgent;
}

/** A fresh, empty PostgreSQL database on the test server; `drop` removes it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A real Parley server on 127.0.0.1, port 0, on a fresh SQLite directory or PostgreSQL database. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const kind = options.shareDataWith?.kind ?? options.kind ?? 'sqlite';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  let dataEnv: Record<string, string>;
  if (options.shareDataWith) {
    const shared = options.shareDataWith.config;
    dataEnv = { DATA_DIR: shared.dataDir, ...(shared.databaseUrl ? { DATABASE_URL: shared.databaseUrl } : {}) };
  } else if (kind === 'postgres') {
    const created = await createPostgresDatabase();
    dataEnv = { DATABASE_URL: created.url, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-')) };
    cleanup = () => created.drop();
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-'));
    dataEnv = { DATA_DIR: dir };
    cleanup = () => Promise.resolve(rmSync(dir, { recursive: true, force: true }));
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_SEC: '1000',
    RATE_LIMIT_BURST: '1000',
    // Every test user registers from 127.0.0.1; tests of the registration limit set their own.
    REGISTER_PER_IP_PER_HOUR: '100000',
    // Every test client comes from 127.0.0.1: tests of these limits set their own.
    MAX_CONNECTIONS_PER_ADDRESS: '100000',
    CONNECTIONS_PER_ADDRESS_PER_MINUTE: '1000000',
    ...dataEnv,
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });

  const boot = async () => {
    const database = await openDatabase(config);
    const app = await createApp({
      config,
      database,
      log: createLogger(config.logLevel, sink),
      ...(options.pushAgent ? { pushAgent: options.pushAgent } : {}),
    });
    const url = (await app.listen()).replace('0.0.0.0', '127.0.0.1');
    // A restart comes back on the same port, as a real server would: clients reconnect to it.
    config.port = Number(new URL(url).port);
    return { database, app, url };
  };

  const server: TestServer = {
    ...(await boot()),
    kind,
    config,
    logs,
    async restart() {
      await server.app.close();
      Object.assign(server, await boot());
    },
    async stop() {
      await server.app.close();
    },
    async start() {
      Object.assign(server, await boot());
    },
    async close() {
      await server.app.close();
      await cleanup();
    },
  };
  return server;
}
