/**
 * One self-contained HTML page a person reads (autobahn's report is the model): the rules
 * by section with verdict colours, then each case that did not pass with the requirement,
 * expected vs observed, and the wire log of that case (every message as indented XML, WBXML
 * decoded). No script, no external resource.
 */
import type { CaseResult, FuzzReport } from '../runner.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const COLOURS: Readonly<Record<string, string>> = { pass: '#2e7d32', fail: '#c62828', crash: '#6a1b9a', hang: '#ef6c00', skip: '#757575', xfail: '#1565c0', xpass: '#ad1457' };

function verdictOf(r: CaseResult): string {
  if (r.unexpectedPass) return 'xpass';
  if (r.expectedFailure && r.verdict !== 'pass' && r.verdict !== 'skip') return 'xfail';
  return r.verdict;
}

const anchor = (id: string) => `case-${id.replace(/[^A-Za-z0-9]+/g, '-')}`;

function badge(v: string): string {
  return `<span class="v" style="background:${COLOURS[v] ?? '#000'}">${esc(v.toUpperCase())}</span>`;
}

function detail(r: CaseResult): string {
  const v = verdictOf(r);
  const wire = r.wire
    .map((e) => `<div class="msg ${e.direction}"><div class="hd">${esc(e.direction === 'sent' ? '→ sent' : '← received')} ${esc(e.url)}${e.httpStatus !== undefined ? ` · HTTP ${e.httpStatus}` : ''} · ${e.size} bytes · ${esc(e.format)}${e.note ? ` · ${esc(e.note)}` : ''}</div>${e.text ? `<pre>${esc(e.text)}</pre>` : ''}</div>`)
    .join('\n');
  return `<section id="${anchor(r.id)}" class="case"><h3>${badge(v)} ${esc(r.id)} — ${esc(r.title)}</h3>
<p class="meta">section ${esc(r.section)}${r.pro ? ` · ${esc(r.pro)}` : ''} · ${esc(r.level)} · ${esc(r.kind)} · ${r.runs} run${r.runs === 1 ? '' : 's'}</p>
<blockquote>${esc(r.requirement)}</blockquote>
${r.expected !== undefined ? `<table class="eo"><tr><th>expected</th><td>${esc(r.expected)}</td></tr><tr><th>observed</th><td>${esc(r.observed ?? '')}</td></tr></table>` : `<p>${esc(r.detail)}</p>`}
${r.reproducer ? `<details><summary>reproducer (shrunk parameters)</summary><pre>${esc(JSON.stringify(r.reproducer.params, null, 2))}</pre></details>` : ''}
<h4>wire log</h4>${wire || '<p>(nothing was sent)</p>'}</section>`;
}

export function htmlReport(report: FuzzReport): string {
  const sections = [...new Set(report.cases.map((c) => c.section))];
  const rows = sections
    .map((s) => {
      const cases = report.cases.filter((c) => c.section === s);
      return `<tr class="sec"><th colspan="5">section ${esc(s)}</th></tr>${cases
        .map((r) => `<tr><td>${badge(verdictOf(r))}</td><td><a href="#${anchor(r.id)}">${esc(r.id)}</a></td><td>${esc(r.pro ?? '')}</td><td>${esc(r.level)}</td><td>${esc(r.title)}<div class="d">${esc(r.detail)}</div></td></tr>`)
        .join('')}`;
    })
    .join('\n');
  const s = report.summary;
  const shown = report.cases.filter((r) => r.verdict !== 'pass' || r.unexpectedPass);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>omadm fuzz: ${esc(report.peer.url)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
tr.sec th{background:#f3f3f3}.v{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600}
.d{color:#666;font-size:12px}blockquote{border-left:3px solid #999;margin:0.5em 0;padding-left:1em;color:#444}
pre{background:#f8f8f8;padding:8px;overflow:auto;font-size:12px}.msg.sent .hd{color:#1565c0}.msg.received .hd{color:#2e7d32}
.case{border-top:2px solid #ccc;margin-top:2em}.eo th{width:6em}
</style></head><body>
<h1>omadm fuzz report</h1>
<p>peer <b>${esc(report.peer.url)}</b> (${esc(report.peer.encoding.toUpperCase())}, auth ${esc(report.peer.auth)}, device ${esc(report.peer.devId)}) · started ${esc(report.started)} · seed ${report.seed} · ${s.sessions} sessions</p>
<p>${s.pass} passed · ${s.fail} failed · ${s.crash} crashed · ${s.hang} hung · ${s.skip} skipped${s.expectedFailures ? ` · ${s.expectedFailures} expected failures` : ''}${s.unexpectedPasses ? ` · ${s.unexpectedPasses} unexpected passes` : ''} — <b>${s.ok ? 'ok' : 'not ok'}</b>${report.stopped ? ` (stopped early: ${esc(report.stopped)})` : ''}</p>
<table><tr><th>verdict</th><th>case</th><th>Appendix B</th><th>level</th><th>rule</th></tr>
${rows}
</table>
${shown.map(detail).join('\n')}
</body></html>
`;
}
