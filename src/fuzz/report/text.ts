/** The terminal report: a line per case while it runs, then a table of the rules and a summary. */
import type { CaseResult, FuzzReport, ProgressEvent } from '../runner.js';

const MARK: Readonly<Record<string, string>> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', crash: 'CRASH', hang: 'HANG' };

function mark(r: CaseResult): string {
  if (r.unexpectedPass) return 'XPASS';
  if (r.expectedFailure && (r.verdict === 'fail' || r.verdict === 'crash' || r.verdict === 'hang')) return 'XFAIL';
  return MARK[r.verdict] ?? r.verdict.toUpperCase();
}

/** One progress line (or none) for an event. */
export function progressLine(e: ProgressEvent): string | undefined {
  if (e.type === 'start') return `running ${e.total} case${e.total === 1 ? '' : 's'}`;
  if (e.type === 'case') return undefined;
  const r = e.result;
  const width = String(e.total).length;
  return `[${String(e.index + 1).padStart(width)}/${e.total}] ${mark(r).padEnd(5)} ${r.id}  ${r.title}${r.verdict !== 'pass' && r.detail ? `\n${' '.repeat(2 * width + 10)}${r.detail}` : ''}`;
}

/** The table of rules and the summary. */
export function textReport(report: FuzzReport): string {
  const rows = report.cases.map((r) => [mark(r), r.id, r.pro ?? '', r.level, r.kind]);
  const head = ['VERDICT', 'CASE', 'APPENDIX B', 'LEVEL', 'KIND'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(head), ...rows.map(line), ''];
  for (const r of report.cases) {
    if (r.verdict === 'pass' || r.verdict === 'skip') continue;
    out.push(`${mark(r)} ${r.id} (${r.level}, section ${r.section}${r.pro ? `, ${r.pro}` : ''}): ${r.title}`);
    out.push(`  requirement: ${r.requirement}`);
    if (r.expected !== undefined) out.push(`  expected: ${r.expected}`, `  observed: ${r.observed ?? ''}`);
    else if (r.detail) out.push(`  ${r.detail}`);
    out.push('');
  }
  const s = report.summary;
  const parts = [`${s.pass} passed`, `${s.fail} failed`, `${s.crash} crashed`, `${s.hang} hung`, `${s.skip} skipped`];
  if (s.expectedFailures) parts.push(`${s.expectedFailures} expected to fail`);
  if (s.unexpectedPasses) parts.push(`${s.unexpectedPasses} passed unexpectedly`);
  out.push(`${report.peer.url}: ${parts.join(', ')} (${s.total} cases, ${s.sessions} sessions, seed ${report.seed})`);
  if (report.stopped) out.push(`stopped early: ${report.stopped}`);
  out.push(s.ok ? 'result: ok' : `result: not ok${s.total - s.skip === 0 || report.cases.every((c) => c.runs === 0) ? ' (no case ran)' : ''}`);
  return out.join('\n') + '\n';
}
