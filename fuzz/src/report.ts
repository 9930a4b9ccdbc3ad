import type { FuzzReport, TargetName } from './run.js';

/** The run's counts per target, then each violation with the inputs that preceded it. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `seed ${report.seed}, ${(report.durationMs / 1000).toFixed(1)} s, ${report.healthChecks} health checks, max RSS ${Math.round(report.maxRssMb)} MB`,
  ];
  for (const [target, counts] of Object.entries(report.counts) as [TargetName, FuzzReport['counts'][TargetName]][]) {
    if (counts.packets === 0) continue;
    const answers = Object.entries(counts.answers)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code}: ${n}`)
      .join(', ');
    lines.push(
      `${target}: ${counts.packets} packets, ${counts.connections} connections, ${counts.closedByServer} closed by the server, crashes ${counts.crashes}`,
      `  answers: ${answers}`,
    );
  }
  for (const violation of report.violations) {
    lines.push(`VIOLATION [${violation.target}] ${violation.kind}: ${violation.detail}`, '  last inputs:');
    for (const input of violation.lastInputs.slice(-15)) lines.push(`    ${input}`);
  }
  return lines.join('\n');
}
