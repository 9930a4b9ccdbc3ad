import type { BenchReport } from './results.js';

const COLORS: Record<string, string> = { parley: '#4f46e5', 'relay-frame': '#9ca3af', 'relay-batched': '#111827' };
const SYSTEMS = ['parley', 'relay-frame', 'relay-batched'] as const;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

interface Panel {
  title: string;
  groups: { label: string; values: Record<string, number | undefined> }[];
  unit: string;
}

/** One panel of grouped bars, each system side by side within a group; bars scale to the panel's max. */
function panel(p: Panel, x: number, y: number, width: number, height: number): string {
  const values = p.groups.flatMap((g) => SYSTEMS.map((s) => g.values[s] ?? 0)).filter(Number.isFinite);
  const max = Math.max(1e-9, ...values);
  const groupWidth = width / Math.max(1, p.groups.length);
  const bar = Math.min(40, (groupWidth - 20) / SYSTEMS.length);
  const base = y + height - 20;
  const parts = [`<text x="${x}" y="${y + 14}" font-weight="bold">${esc(p.title)}</text>`];
  p.groups.forEach((group, gi) => {
    const gx = x + gi * groupWidth + 10;
    SYSTEMS.forEach((system, si) => {
      const value = group.values[system] ?? 0;
      const h = Number.isFinite(value) ? ((height - 60) * value) / max : 0;
      const bx = gx + si * bar;
      parts.push(
        `<rect x="${bx.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(bar - 3).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[system]}"/>`,
        `<text x="${(bx + bar / 2).toFixed(1)}" y="${(base - h - 4).toFixed(1)}" font-size="9" text-anchor="middle">${esc(short(value))}</text>`,
      );
    });
    parts.push(
      `<text x="${(gx + (bar * SYSTEMS.length) / 2).toFixed(1)}" y="${base + 14}" text-anchor="middle">${esc(group.label)}</text>`,
    );
  });
  parts.push(`<text x="${x}" y="${y + 30}" font-size="10" fill="#555">${esc(p.unit)}</text>`);
  return parts.join('\n');
}

function short(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value >= 10 ? value.toFixed(0) : value.toFixed(2);
}

/** The README chart: fan-out throughput and latency percentiles, Parley beside both relays. */
export function renderChart(report: BenchReport): string {
  const fanout = report.scenarios.find((s) => s.name === 'fan-out');
  const rooms = report.scenarios.find((s) => s.name === 'many-rooms-sqlite');
  const pick = (s: typeof fanout, key: string) => ({
    parley: s?.parley[key],
    'relay-frame': s?.baseline['relay-frame'][key],
    'relay-batched': s?.baseline['relay-batched'][key],
  });
  const width = 900;
  const height = 320;
  const panels = [
    panel(
      {
        title: 'Fan-out, one room',
        unit: 'deliveries/s',
        groups: [{ label: 'saturation', values: pick(fanout, 'deliveriesPerSec') }],
      },
      20,
      40,
      200,
      260,
    ),
    panel(
      {
        title: 'Fan-out latency at a fixed rate',
        unit: 'ms',
        groups: [
          { label: 'p50', values: pick(fanout, 'latencyP50Ms') },
          { label: 'p99', values: pick(fanout, 'latencyP99Ms') },
          { label: 'p99.9', values: pick(fanout, 'latencyP999Ms') },
        ],
      },
      250,
      40,
      400,
      260,
    ),
    panel(
      { title: 'Many rooms', unit: 'acked msg/s', groups: [{ label: 'SQLite', values: pick(rooms, 'ackedPerSec') }] },
      680,
      40,
      200,
      260,
    ),
  ];
  const legend = SYSTEMS.map(
    (s, i) =>
      `<rect x="${20 + i * 140}" y="12" width="12" height="12" fill="${COLORS[s]}"/><text x="${36 + i * 140}" y="22">${s}</text>`,
  );
  const caption = `${report.size} size · ${report.machine.cpus} × ${report.machine.cpuModel} · node ${report.node}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 20}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...legend,
    `<text x="${width - 10}" y="22" text-anchor="end" font-size="10">${esc(caption)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
