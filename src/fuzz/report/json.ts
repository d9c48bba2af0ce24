/**
 * The machine form: `{ peer, started, seed, cases: [{ id, section, level, requirement,
 * kind, verdict, detail, reproducer }], summary }`, with `pro`, `title`, `expected`,
 * `observed` and the wire log beside. `reproducer` is the file the failure was kept in
 * (--reproducers), else the reproducer itself, null for a case that did not fail.
 */
import type { FuzzReport } from '../runner.js';

export function jsonReport(report: FuzzReport, reproducerFiles: ReadonlyMap<string, string> = new Map()): string {
  return (
    JSON.stringify(
      {
        peer: report.peer,
        started: report.started,
        seed: report.seed,
        cases: report.cases.map((r) => ({
          id: r.id,
          section: r.section,
          ...(r.pro ? { pro: r.pro } : {}),
          level: r.level,
          requirement: r.requirement,
          kind: r.kind,
          title: r.title,
          verdict: r.verdict,
          detail: r.detail,
          ...(r.expected !== undefined ? { expected: r.expected, observed: r.observed } : {}),
          expectedFailure: r.expectedFailure,
          unexpectedPass: r.unexpectedPass,
          runs: r.runs,
          durationMs: r.durationMs,
          reproducer: reproducerFiles.get(r.id) ?? r.reproducer ?? null,
          wire: r.wire,
        })),
        summary: report.summary,
        ...(report.stopped ? { stopped: report.stopped } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}
