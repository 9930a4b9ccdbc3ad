import { describe, expect, it } from 'vitest';
import { formatReport } from './report.js';
import { DEFAULT_OPTIONS, runFuzz } from './run.js';

/** The short run of `npm run fuzz` (that one sends 100,000 packets per target; this one 3,400). */
const PACKETS_PER_TARGET = Number(process.env.FUZZ_PACKETS ?? 3400);

describe('the fuzz suite, short run', () => {
  it('sends over 10,000 hostile packets at the WebSocket, long-polling and HTTP endpoints without a crash, a failed health check or runaway RSS', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20_261_129);
    const report = await runFuzz({
      ...DEFAULT_OPTIONS,
      seed,
      packetsPerTarget: PACKETS_PER_TARGET,
      batchPackets: Math.ceil(PACKETS_PER_TARGET / 2),
      concurrency: 16,
      log: () => undefined,
    });
    console.log(formatReport(report));
    const { websocket, polling, http } = report.counts;
    expect(websocket.packets + polling.packets + http.packets).toBeGreaterThanOrEqual(3 * PACKETS_PER_TARGET);
    expect(report.violations.map((v) => `${v.target} ${v.kind}: ${v.detail.slice(0, 300)}`)).toEqual([]);
    // The server did refuse things: a fuzzer that only sent well-formed requests would prove little.
    expect(websocket.answers['BAD_REQUEST'] ?? 0).toBeGreaterThan(0);
    expect(http.answers['HTTP 400'] ?? 0).toBeGreaterThan(0);
    expect(websocket.closedByServer + polling.closedByServer).toBeGreaterThan(0);
  }, 180_000);
});
