import { rmSync } from 'node:fs';
import type { ConnectResult } from '../gen/commands.js';
import { freshDataDir, quietNote, type BenchContext } from '../context.js';
import { Generator } from '../generator.js';
import { registerUsers } from '../parley-setup.js';
import { startStormServers, stopAll, type Target } from '../processes.js';
import { scenario, serverUsPer, type Figures, type ScenarioResult } from '../results.js';

const MiB = 1024 * 1024;

/**
 * Scenarios 3 and 4 share one set of connections: a storm of authenticated connections (a
 * Parley connection is the Engine.IO handshake plus the Socket.IO connect with its token; a
 * bare Socket.IO server's the same without a token check; a relay connection is the WebSocket
 * upgrade), then, once they have settled, the server's RSS growth per idle connection.
 */
export async function runConnectStorm(ctx: BenchContext): Promise<ScenarioResult[]> {
  const storm = new Map<string, Figures>();
  const memory = new Map<string, Figures>();
  const dataDir = freshDataDir();
  const notes: string[] = [];
  const targets: Target[] = [];
  try {
    targets.push(...(await startStormServers({ name: 'parley', dataDir })));
    for (const target of targets) {
      const name = target.name;
      const generator = Generator.start(target);
      try {
        const tokens =
          target.kind === 'parley' ? (await registerUsers(target.url, ctx.size.users)).map((u) => u.token) : [];
        await generator.run({ cmd: 'ready' });
        notes.push(...(await quietNote(ctx, name)));
        ctx.log(`connect storm: ${ctx.size.stormClients} connections to ${name}`);
        const { result, marks } = await generator.run<ConnectResult>({
          cmd: 'connect',
          plan: {
            roomIds: ['0'],
            rooms: new Array<number>(ctx.size.stormClients).fill(0),
            tokens,
            pollingFraction: 0,
            probeEvery: 0,
            concurrency: 500,
          },
          settleMs: ctx.size.settleMs,
        });
        const before = marks.before?.rssBytes ?? NaN;
        const after = marks.after?.rssBytes ?? NaN;
        storm.set(name, {
          connected: result.connected,
          connectionsPerSec: result.connectionsPerSec,
          lastConnectionMs: result.lastMs,
          serverUsPerConnection: serverUsPer(result.connected, marks.start, marks.end),
        });
        memory.set(name, {
          connections: result.connected,
          rssBeforeMiB: before / MiB,
          rssAfterMiB: after / MiB,
          rssPerConnectionKiB: (after - before) / 1024 / Math.max(1, result.connected),
        });
      } finally {
        await generator.stop();
      }
    }
  } finally {
    await stopAll([], targets);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const pick = (m: Map<string, Figures>, name: string) => m.get(name) ?? {};
  const size = ctx.size.name;
  const stormNotes = [
    "Parley connections include the token check and the subscriptions to the user's rooms; socketio-bare ones are a Socket.IO handshake with no middleware; relay ones are bare WebSocket upgrades",
    'serverUsPerConnection: server process CPU (user+system, /proc/<pid>/stat) from the first handshake to the last connection, per connection',
  ];
  return [
    scenario(
      'connect-storm',
      size,
      pick(storm, 'parley'),
      pick(storm, 'relay-frame'),
      pick(storm, 'relay-batched'),
      [
        ...stormNotes,
        ...notes,
        ...[...storm].flatMap(([name, f]) =>
          (f.connected ?? 0) < ctx.size.stormClients
            ? [`${name}: only ${f.connected} of ${ctx.size.stormClients} connected`]
            : [],
        ),
      ],
      pick(storm, 'socketio-bare'),
    ),
    scenario(
      'idle-memory',
      size,
      pick(memory, 'parley'),
      pick(memory, 'relay-frame'),
      pick(memory, 'relay-batched'),
      ['RSS of the server process before the storm and after its connections settled, idle', ...notes],
      pick(memory, 'socketio-bare'),
    ),
  ];
}
