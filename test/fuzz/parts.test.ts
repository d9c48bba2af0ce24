/**
 * The fuzzer's parts on their own: case ids and their order, globs and --expect-fail files,
 * every mutation in both encodings, the wire log's rendering (WBXML shown as XML), and the
 * JUnit and HTML reports of a made-up run.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { decodeXml, encodeWbxml, encodeXml } from '../../src/index.js';
import { serverCases, compareIds } from '../../src/fuzz/cases/index.js';
import { matchesAny, parseExpectFail } from '../../src/fuzz/glob.js';
import { applyMutation, applyTamper, mutationArbitrary, tamperArbitrary } from '../../src/fuzz/mutators.js';
import { WireLog, indentXml, renderBytes, MAX_ENTRIES } from '../../src/fuzz/wire.js';
import { junitReport } from '../../src/fuzz/report/junit.js';
import { htmlReport } from '../../src/fuzz/report/html.js';
import { textReport } from '../../src/fuzz/report/text.js';
import { summarise, caseSeed, selectCases, type CaseResult, type FuzzReport } from '../../src/fuzz/runner.js';
import { parseReproducer, isReproducerError, reproducerFileName } from '../../src/fuzz/reproducer.js';

// The spec text lives beside the repository (shared/) on developer machines, not in a clone
// of it alone (as CI's): the quotes are checked wherever it is there.
const specUrl = new URL('../../../shared/spec/OMA-TS-DM_Protocol-V1_3.txt', import.meta.url);
const spec = existsSync(specUrl) ? readFileSync(specUrl, 'utf8').replace(/\s+/g, ' ') : '';
if (spec === '') console.warn(`skipping "quotes each case's requirement from the spec word for word": no spec text at ${specUrl.pathname}`);
const appendixB = readFileSync(new URL('../fixtures/spec/appendix-b-requirements.txt', import.meta.url), 'utf8').split('\n');
const packageOne = decodeXml(readFileSync(new URL('../fixtures/spec/11.1.1-package1.xml', import.meta.url)));

describe('the case catalogue', () => {
  it('names every case dm-1.3/<section>/<n>, once, with a level and a requirement', () => {
    const ids = serverCases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of serverCases) {
      expect(c.id).toBe(`dm-1.3/${c.section}/${c.id.split('/')[2]}`);
      expect(['MUST', 'SHOULD', 'MAY']).toContain(c.level);
      expect(c.requirement.trim(), c.id).not.toBe('');
      // Its DM-PRO id is one of Appendix B's (the checklist kept with the tests).
      if (c.pro) expect(appendixB, c.id).toContain(c.pro);
    }
    expect(serverCases[0]!.kind).toBe('sanity');
  });

  it.skipIf(spec === '')("quotes each case's requirement from the spec word for word", () => {
    for (const c of serverCases) expect(spec, c.id).toContain(c.requirement);
  });

  it('orders by section numerically, then by number', () => {
    expect(['dm-1.3/10.2/1', 'dm-1.3/6.4/2', 'dm-1.3/6/2', 'dm-1.3/6.1.2/1', 'dm-1.3/7.2/1', 'dm-1.3/6.4/10'].sort(compareIds)).toEqual(['dm-1.3/6/2', 'dm-1.3/6.1.2/1', 'dm-1.3/6.4/2', 'dm-1.3/6.4/10', 'dm-1.3/7.2/1', 'dm-1.3/10.2/1']);
  });

  it('selects by glob, always keeps the sanity case first, and gives each case its own seed', () => {
    expect(selectCases({ cases: ['dm-1.3/8/*'] }).map((c) => c.id)).toEqual(['dm-1.3/6/1', 'dm-1.3/8/1', 'dm-1.3/8/2', 'dm-1.3/8/3', 'dm-1.3/8/4', 'dm-1.3/8/5']);
    expect(selectCases({ exclude: ['dm-1.3/6/*', 'dm-1.3/9.1/?'] }).map((c) => c.id)).not.toContain('dm-1.3/6/2');
    expect(selectCases({ exclude: ['*'] }).map((c) => c.id)).toEqual(['dm-1.3/6/1']);
    expect(caseSeed(1, 'dm-1.3/8/1')).not.toBe(caseSeed(1, 'dm-1.3/8/2'));
    expect(caseSeed(1, 'dm-1.3/8/1')).toBe(caseSeed(1, 'dm-1.3/8/1'));
  });

  it('reads --expect-fail files: one id or glob a line, comments and blank lines ignored', () => {
    const globs = parseExpectFail('# known\n\ndm-1.3/8/1  # no 213 yet\r\ndm-1.3/9.1/*\n');
    expect(globs).toEqual(['dm-1.3/8/1', 'dm-1.3/9.1/*']);
    expect(matchesAny('dm-1.3/9.1/2', globs)).toBe(true);
    expect(matchesAny('dm-1.3/8/10', globs)).toBe(false);
    expect(matchesAny('dm-1.3/8.1', ['dm-1.3/8?1'])).toBe(true);
  });
});

describe('mutations', () => {
  it('every mutation and tamper applies to a message in either encoding, bounded in size', () => {
    fc.assert(
      fc.property(mutationArbitrary, tamperArbitrary, fc.boolean(), (m, t, wbxml) => {
        const bytes = wbxml ? encodeWbxml(packageOne) : encodeXml(packageOne);
        const out = applyMutation(m, bytes);
        expect(out).toBeInstanceOf(Uint8Array);
        expect(out.length).toBeLessThan(200_000);
        const tampered = applyTamper(t, packageOne);
        expect(tampered.syncBody.commands.length).toBe(packageOne.syncBody.commands.length);
      }),
      { numRuns: 200 },
    );
  });

  it('drop-cmdid removes exactly one CmdID; header-order moves MsgID after Source', () => {
    const xml = new TextDecoder().decode(applyMutation({ op: 'drop-cmdid', index: 0 }, encodeXml(packageOne)));
    expect(xml.match(/<CmdID>/g)!.length).toBe(new TextDecoder().decode(encodeXml(packageOne)).match(/<CmdID>/g)!.length - 1);
    const moved = new TextDecoder().decode(applyMutation({ op: 'header-order' }, encodeXml(packageOne)));
    expect(moved).toMatch(/<\/Source><MsgID>/);
  });
});

describe('the wire log', () => {
  it('renders WBXML as indented XML, the same text as its XML twin', () => {
    const a = renderBytes(encodeWbxml(packageOne));
    const b = renderBytes(encodeXml(packageOne));
    expect(a.format).toBe('wbxml');
    expect(b.format).toBe('xml');
    expect(a.text).toBe(b.text);
    expect(a.text.split('\n')[1]).toBe('  <SyncHdr>');
  });

  it('shows what is no message as text or hex, and keeps at most MAX_ENTRIES entries', () => {
    expect(renderBytes(new TextEncoder().encode('<SyncML>cut')).format).toBe('xml');
    expect(renderBytes(Uint8Array.from([0x03, 0xff, 0x00, 0x10])).text).toBe('03 ff 00 10');
    const log = new WireLog();
    for (let i = 0; i < MAX_ENTRIES + 5; i++) log.note('sent', 'http://x/', 'n');
    expect(log.entries.length).toBe(MAX_ENTRIES);
    expect(log.omitted).toBe(5);
    expect(indentXml('<a><b>t</b><c/></a>')).toBe('<a>\n  <b>t</b>\n  <c/>\n</a>');
  });
});

function result(id: string, verdict: CaseResult['verdict'], extra: Partial<CaseResult> = {}): CaseResult {
  return { id, section: id.split('/')[1]!, level: 'MUST', requirement: 'A server MUST <do> "this" & that.', kind: 'conformance', title: `case ${id}`, verdict, detail: `${verdict} detail`, expectedFailure: false, unexpectedPass: false, runs: 1, durationMs: 12, wire: [], ...extra };
}

const made: CaseResult[] = [
  result('dm-1.3/6/1', 'pass', { kind: 'sanity' }),
  result('dm-1.3/8/1', 'fail', { expected: 'Status 213', observed: 'Status 200', wire: [{ direction: 'sent', url: 'http://127.0.0.1/dm', size: 3, format: 'xml', text: '<SyncML/>' }] }),
  result('dm-1.3/8/2', 'crash'),
  result('dm-1.3/9.1/1', 'skip'),
  result('dm-1.3/9.1/2', 'fail', { expectedFailure: true, expected: 'x', observed: 'y' }),
  result('dm-1.3/9.1/3', 'pass', { expectedFailure: true, unexpectedPass: true }),
];
const report: FuzzReport = { peer: { url: 'http://127.0.0.1/dm', encoding: 'wbxml', devId: 'IMEI:1', auth: 'md5' }, started: '2026-12-04T01:00:00.000Z', seed: 7, cases: made, summary: summarise(made, 9) };

describe('reports', () => {
  it('summarises: expected failures do not fail the run, unexpected passes and crashes do; no case run is never ok', () => {
    expect(report.summary).toMatchObject({ total: 6, pass: 2, fail: 2, crash: 1, skip: 1, expectedFailures: 1, unexpectedPasses: 1, sessions: 9, ok: false });
    expect(summarise([result('dm-1.3/6/1', 'pass'), result('dm-1.3/9.1/2', 'fail', { expectedFailure: true })], 1).ok).toBe(true);
    expect(summarise([result('dm-1.3/6/1', 'skip', { runs: 0 })], 0).ok).toBe(false);
    expect(summarise([], 0).ok).toBe(false);
  });

  it('text: a table of rules, each failure with its requirement, expected and observed', () => {
    const text = textReport(report);
    expect(text).toMatch(/^XFAIL +dm-1\.3\/9\.1\/2/m);
    expect(text).toMatch(/^XPASS +dm-1\.3\/9\.1\/3/m);
    expect(text).toContain('  expected: Status 213\n  observed: Status 200');
    expect(text).toContain('result: not ok');
  });

  it('JUnit: failures, errors for crashes, skipped for skips and expected failures, all escaped', () => {
    const xml = junitReport(report);
    expect(xml.match(/<testcase /g)!.length).toBe(6);
    expect(xml).toContain('<failure type="MUST" message="fail detail">');
    expect(xml).toContain('<error type="crash"');
    expect(xml).toContain('<failure type="unexpected-pass"');
    expect(xml).toContain('&lt;do&gt; &quot;this&quot; &amp; that.');
    expect(xml).not.toMatch(/<do>/);
    expect(xml).toMatch(/<testsuite name="omadm fuzz conformance" tests="5" failures="2" errors="1" skipped="2"/);
  });

  it('HTML: one page, rules by section with verdict colours, each failure with expected, observed and its wire log, escaped', () => {
    const html = htmlReport(report);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<tr class="sec"><th colspan="5">section 8</th></tr>');
    expect(html).toContain('id="case-dm-1-3-8-1"');
    expect(html).toContain('<th>observed</th><td>Status 200</td>');
    expect(html).toContain('<pre>&lt;SyncML/&gt;</pre>');
    expect(html).not.toContain('<do>');
    expect(html).not.toMatch(/<script|<link /);
  });

  it('reproducer files: refused unless they are one; named after the case', () => {
    expect(reproducerFileName('dm-1.3/8/1')).toBe('dm-1.3_8_1.json');
    for (const text of ['nope', '{}', '{"format":"omadm-fuzz-reproducer","version":2}', '{"format":"omadm-fuzz-reproducer","version":1,"case":"x","encoding":"json","seed":1}']) {
      let error: unknown;
      try {
        parseReproducer(text);
      } catch (e) {
        error = e;
      }
      expect(isReproducerError(error)).toBe(true);
    }
    expect(parseReproducer('{"format":"omadm-fuzz-reproducer","version":1,"case":"dm-1.3/8/1","encoding":"xml","seed":1,"params":null,"messages":[]}').case).toBe('dm-1.3/8/1');
    // Without a mode, a server-mode reproducer; client mode is named.
    expect(parseReproducer('{"format":"omadm-fuzz-reproducer","version":1,"case":"dm-1.3/8/1","encoding":"xml","seed":1,"params":null,"messages":[]}').mode).toBe('server');
    expect(parseReproducer('{"format":"omadm-fuzz-reproducer","version":1,"mode":"client","case":"dm-1.3/8/8","encoding":"wbxml","seed":1,"params":null,"messages":[]}').mode).toBe('client');
    expect(() => parseReproducer('{"format":"omadm-fuzz-reproducer","version":1,"mode":"peer","case":"x","encoding":"xml","seed":1}')).toThrow(/neither server nor client/);
  });
});
