import * as hdr from 'hdr-histogram-js';
import type { Percentiles } from './commands.js';

/** Each room message carries this key exactly once, in Parley's frames and in the relays' alike. */
const MESSAGE_KEY = Buffer.from('"clientMsgId"');
const STAMP = Buffer.from('t=');

/** Counts shared by every client of a generator process; reset at the start of each window. */
export interface Counters {
  deliveries: number;
  frames: number;
  acked: number;
  errors: number;
  /** Latencies (µs) are recorded only while this is set, for messages stamped after `sinceUs`. */
  recording: boolean;
  sinceUs: number;
  latency: hdr.Histogram;
}

export function createCounters(): Counters {
  return {
    deliveries: 0,
    frames: 0,
    acked: 0,
    errors: 0,
    recording: false,
    sinceUs: 0,
    latency: newHistogram(),
  };
}

export function newHistogram(): hdr.Histogram {
  // 1 µs to 10 min, 3 significant digits: the plain JS build, no WebAssembly to initialise.
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export function resetCounters(c: Counters): void {
  c.deliveries = 0;
  c.frames = 0;
  c.acked = 0;
  c.errors = 0;
  c.latency.reset();
}

/** Microseconds on CLOCK_MONOTONIC: the same clock in every process of this machine. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A message body stamped with the send time; padded to a typical chat line. */
export function stampedBody(): string {
  return `t=${nowUs()};${'x'.repeat(64)}`;
}

/** Counts the messages of one received frame; a probe also records each one's end-to-end latency. */
export function countFrame(c: Counters, frame: Buffer, probe: boolean): void {
  let n = 0;
  for (let i = frame.indexOf(MESSAGE_KEY); i !== -1; i = frame.indexOf(MESSAGE_KEY, i + MESSAGE_KEY.length)) n += 1;
  if (n === 0) return;
  c.frames += 1;
  c.deliveries += n;
  if (!probe || !c.recording) return;
  const now = nowUs();
  for (let i = frame.indexOf(STAMP); i !== -1; i = frame.indexOf(STAMP, i + 2)) {
    let sent = 0;
    for (let j = i + 2; j < frame.length; j += 1) {
      const digit = (frame[j] ?? 0) - 48;
      if (digit < 0 || digit > 9) break;
      sent = sent * 10 + digit;
    }
    if (sent >= c.sinceUs) c.latency.recordValue(Math.max(1, now - sent));
  }
}

export function percentiles(h: hdr.Histogram): Percentiles {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
  };
}
