import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, ConnectResult, LoadResult, PostResult, Reply } from './gen/commands.js';
import { coreShares, cpuShare, loadCore, serverCore, spawnNode, type Sample, type Target } from './processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Measured<T> {
  result: T;
  /** The target's CPU and memory sampled at each mark the generator sent. */
  marks: Record<string, Sample>;
}

/** Orchestrator side of one load-generator process, bound to one target server. */
export class Generator {
  private pending?: { resolve(reply: Reply): void; marks: Record<string, Sample> };

  private constructor(
    private readonly child: ChildProcess,
    readonly target: Target,
  ) {
    child.on('message', (reply: Reply) => {
      if (reply.type === 'mark') {
        if (this.pending) this.pending.marks[reply.name] = target.sample();
        return;
      }
      this.pending?.resolve(reply);
    });
    child.on('exit', (code) => this.pending?.resolve({ type: 'error', message: `generator exited with ${code}` }));
  }

  static start(target: Target): Generator {
    const script = path.join(here, 'gen/main.js');
    const child = spawnNode(loadCore, [script, target.kind, target.url], process.env, true);
    child.stdout?.resume();
    return new Generator(child, target);
  }

  async run<T extends ConnectResult | LoadResult | PostResult | Record<string, never>>(
    command: Command,
    timeoutMs = 600_000,
  ): Promise<Measured<T>> {
    const marks: Record<string, Sample> = { before: this.target.sample() };
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<Reply>((resolve) => {
      this.pending = { resolve, marks };
      // Every run is bounded in time: a stuck command fails the run instead of hanging it.
      timer = setTimeout(() => resolve({ type: 'error', message: `${command.cmd} timed out` }), timeoutMs);
      this.child.send(command);
    });
    clearTimeout(timer);
    this.pending = undefined;
    marks.after = this.target.sample();
    if (reply.type !== 'done') throw new Error(`${this.target.name}: ${reply.type === 'error' ? reply.message : ''}`);
    return { result: reply.result as T, marks };
  }

  /** The target's CPU share over the measured window (between the 'start' and 'end' marks). */
  static serverCpu(marks: Record<string, Sample>): number {
    const { start, end } = marks;
    return start && end ? cpuShare(start, end) : NaN;
  }

  /** Busy share of the server core and of the load core over the window, every process included. */
  static cores(marks: Record<string, Sample>): { serverCore: number; loadCore: number } {
    const { start, end } = marks;
    const shares = start && end ? coreShares(start, end) : [];
    return { serverCore: shares[Number(serverCore)] ?? NaN, loadCore: shares[Number(loadCore)] ?? NaN };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await this.run({ cmd: 'close' }, 30_000).catch(() => undefined);
      this.child.kill('SIGTERM');
    }
  }
}
