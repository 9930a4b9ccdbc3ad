import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { freePort } from '../../packages/server/src/test-support/index.js';

export interface Coturn {
  port: number;
  secret: string;
  stop(): Promise<void>;
}

const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/sbin/turnserver';

/** Whether coturn is installed; under CI=true its absence fails the run (`.ci/run` installs it). */
export function coturnInstalled(): boolean {
  const found = existsSync(TURNSERVER) || existsSync('/usr/bin/turnserver');
  if (!found && process.env.CI === 'true') throw new Error('coturn (turnserver) is required in CI');
  if (!found) console.warn('\n*** coturn (turnserver) is not installed: the relay-only call test is left out ***\n');
  return found;
}

/**
 * A real coturn on 127.0.0.1, no config file: REST-API credentials (Parley's TURN_SECRET), peers
 * on loopback allowed (both browsers are on this machine), no TLS, no CLI.
 */
export async function startCoturn(secret: string): Promise<Coturn> {
  const port = await freePort();
  const relayBase = 40_000 + Math.floor(Math.random() * 20_000);
  const binary = existsSync(TURNSERVER) ? TURNSERVER : '/usr/bin/turnserver';
  const child: ChildProcess = spawn(
    binary,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 200}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=parley.test',
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  await waitForUdp(port, () => log.join(''));
  return {
    port,
    secret,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Sends STUN binding requests until coturn answers one. */
async function waitForUdp(port: number, log: () => string): Promise<void> {
  // A STUN Binding Request: type 0x0001, length 0, the magic cookie, a transaction id.
  const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), Buffer.alloc(12, 7)]);
  const deadline = Date.now() + 15_000;
  const socket = createSocket('udp4');
  try {
    for (;;) {
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 300);
        socket.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.send(request, port, '127.0.0.1');
      });
      if (answered) return;
      if (Date.now() > deadline) throw new Error(`coturn did not answer on ${port}: ${log().slice(-2000)}`);
    }
  } finally {
    socket.close();
  }
}
