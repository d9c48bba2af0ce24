/** JUnit XML for CI systems: a testsuite per kind, a testcase per rule (classname = section). */
import type { CaseResult, FuzzReport } from '../runner.js';

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

function testcase(r: CaseResult): string {
  const open = `    <testcase name="${escape(`${r.id} ${r.title}`)}" classname="${escape(`dm-1.3.section-${r.section}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
  const failing = (r.verdict === 'fail' || r.verdict === 'crash' || r.verdict === 'hang') && !r.expectedFailure;
  const text = `${r.requirement}\n${r.expected !== undefined ? `expected: ${r.expected}\nobserved: ${r.observed ?? ''}` : r.detail}`;
  let inner = '';
  if (r.unexpectedPass) inner = `<failure type="unexpected-pass" message="${escape(`passed, but listed in --expect-fail`)}">${escape(text)}</failure>`;
  else if (failing && r.verdict === 'fail') inner = `<failure type="${escape(r.level)}" message="${escape(r.detail)}">${escape(text)}</failure>`;
  else if (failing) inner = `<error type="${r.verdict}" message="${escape(r.detail)}">${escape(text)}</error>`;
  else if (r.verdict === 'skip' || r.expectedFailure) inner = `<skipped message="${escape(r.expectedFailure ? `expected failure: ${r.detail}` : r.detail)}"/>`;
  // The shrunk failure, for whoever reads the CI log: its mode and parameters (the file itself is in --reproducers DIR, or inline in --json).
  const out = r.reproducer ? `<system-out>${escape(`reproducer (${r.reproducer.mode} mode, seed ${r.reproducer.seed}, ${r.reproducer.encoding}): parameters ${JSON.stringify(r.reproducer.params)}`)}</system-out>` : '';
  return `${open}${inner}${out}</testcase>`;
}

export function junitReport(report: FuzzReport): string {
  const kinds = [...new Set(report.cases.map((c) => c.kind))];
  const suites = kinds.map((kind) => {
    const cases = report.cases.filter((c) => c.kind === kind);
    const failures = cases.filter((c) => (c.verdict === 'fail' && !c.expectedFailure) || c.unexpectedPass).length;
    const errors = cases.filter((c) => (c.verdict === 'crash' || c.verdict === 'hang') && !c.expectedFailure).length;
    const skipped = cases.filter((c) => c.verdict === 'skip' || (c.expectedFailure && !c.unexpectedPass)).length;
    const time = cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
    return [`  <testsuite name="omadm fuzz ${escape(kind)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}" timestamp="${escape(report.started)}">`, ...cases.map(testcase), '  </testsuite>'].join('\n');
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="omadm fuzz ${escape(report.peer.url)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
