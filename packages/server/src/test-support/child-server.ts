import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventually } from './clients.js';
import { freePort } from './own-redis.js';
import type { TestServer } from './server.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A Parley instance in a process of its own, so a test can kill, pause or stop it by signal. */
export interface ChildServer {
  url: string;
  process: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts the built server (npm run build) on the data of `peer`; resolves once it is ready. */
export async function startChildServer(peer: TestServer, env: Record<string, string>): Promise<ChildServer> {
  if (!existsSync(MAIN)) throw new Error(`build the server first (npm run build): ${MAIN} is missing`);
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATA_DIR: peer.config.dataDir,
      ...(peer.config.databaseUrl ? { DATABASE_URL: peer.config.databaseUrl } : {}),
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => ((await fetch(`${url}/readyz`).catch(() => null))?.ok ? true : undefined), 15_000);
  return { url, process: child, exited };
}
