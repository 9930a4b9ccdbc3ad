import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serverMain = fileURLToPath(new URL('../../packages/server/dist/main.js', import.meta.url));

/** Parley as a child process: a crash is seen as an exit, not as a failed promise in the fuzzer. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  /** Set once the process has exited: its code or signal. */
  exit: string | undefined;
  /** The last lines it wrote to stderr and stdout (warn level and above). */
  tail(): string;
  rssMb(): number | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startServerProcess(extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-fuzz-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [serverMain], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Keeps the last 16 KiB: enough for a stack trace, bounded however much the server logs.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    exit: undefined,
    tail: () => output,
    rssMb() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
        return kb === undefined ? undefined : Number(kb) / 1024;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (server.exit === undefined) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
        if (server.exit === undefined) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  child.once('exit', (code, signal) => {
    server.exit = signal ?? `code ${code}`;
  });
  await waitUntilServing(server);
  return server;
}

async function waitUntilServing(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exit !== undefined) throw new Error(`server exited at start (${server.exit}): ${server.tail()}`);
    try {
      const response = await fetch(`${server.url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${server.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
