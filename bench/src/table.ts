import type { BenchReport, ScenarioResult } from './results.js';

/** A figure as the tables print it: thousands grouped from 100 up, else two or three decimals. */
export function formatFigure(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

const ratio = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(2)}×`);

/** One block per scenario: each Parley figure next to each baseline, and as ratios. */
export function renderScenario(s: ScenarioResult): string {
  const socketIo = s.baseline['socketio-bare'];
  const header = [
    '',
    'parley',
    'relay-frame',
    'relay-batched',
    ...(socketIo ? ['socketio-bare'] : []),
    'parley/frame',
    'parley/batched',
    ...(socketIo ? ['parley/socketio'] : []),
  ];
  const rows = Object.keys(s.parley).map((key) => [
    key,
    formatFigure(s.parley[key]),
    formatFigure(s.baseline['relay-frame'][key]),
    formatFigure(s.baseline['relay-batched'][key]),
    ...(socketIo ? [formatFigure(socketIo[key])] : []),
    ratio(s.ratio[key]),
    ratio(s.ratioBatched[key]),
    ...(socketIo ? [ratio(s.ratioSocketIo?.[key])] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const notes = s.notes.map((note) => `  note: ${note}`);
  return [`## ${s.name} (${s.size})`, line(header), ...rows.map(line), ...notes].join('\n');
}

export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const custom = report.overrides?.length ? ` (custom: ${report.overrides.join(' ')})` : '';
  const head = `Parley bench, ${report.size} size${custom}: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${report.node}, ${report.seconds.toFixed(0)} s`;
  const pin = m.pinned ? 'server on core 0, load generator on core 1' : 'NOT pinned (fewer than 2 cores)';
  const busy = m.backgroundBusy.map((share) => `${Math.round(share * 100)} %`).join(', ');
  const background = `cores busy before the run (other work on this machine): ${busy}`;
  return [head, pin, background, '', ...report.scenarios.map(renderScenario).flatMap((block) => [block, ''])].join(
    '\n',
  );
}
