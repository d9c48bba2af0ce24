/**
 * `omadm fuzz server` and `omadm fuzz replay` on the command line, in-process, against the
 * fixture server on 127.0.0.1: the reports (text, JSON, JUnit, HTML), selection, expected
 * failures, exit codes, reproducers played again.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { decodeXml } from '../../src/index.js';
import { fakeIo } from '../cli/helpers.js';
import { runFuzz } from '../../src/fuzz/runner.js';
import { runCli } from '../../src/cli/cli.js';
import { startFixture, type Fixture, type FixtureOptions } from './fixture-server.js';
import { fileURLToPath } from 'node:url';

const seed = String(fc.readConfigureGlobal().seed ?? 42);
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function start(options: FixtureOptions = {}): Promise<string> {
  fixture = await startFixture({ devId: 'IMEI:000000000000000', username: 'device-7', password: 'pw', ...options });
  return fixture.url;
}

async function omadm(argv: string[], files: Record<string, string> = {}) {
  const io = fakeIo({ files });
  const code = await runCli(argv, io);
  const text = (path: string) => new TextDecoder().decode(io.written[path]);
  return { code, out: io.out, err: io.err, written: io.written, text };
}

describe('omadm fuzz server URL', () => {
  it('exits 0 against a conforming server, with the table on stdout, progress on stderr, and a JSON report of the documented shape', async () => {
    const url = await start();
    const r = await omadm(['fuzz', 'server', url, '--seed', seed, '--json', 'report.json', '--junit', 'report.xml', '--html', 'report.html']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^VERDICT +CASE +APPENDIX B +LEVEL +KIND$/m);
    expect(r.out).toMatch(/^PASS +dm-1\.3\/6\/1 +DM-PRO-Session-S-002 +MUST +sanity$/m);
    expect(r.out).toContain('result: ok');
    expect(r.err).toMatch(/\[ 1\/\d+\] PASS  dm-1\.3\/6\/1/);
    const json = JSON.parse(r.text('report.json'));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['peer', 'started', 'seed', 'cases', 'summary']));
    expect(json.seed).toBe(Number(seed));
    expect(json.peer.url).toBe(url);
    for (const c of json.cases) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'section', 'level', 'requirement', 'kind', 'verdict', 'detail', 'reproducer']));
      expect(c.id).toMatch(/^dm-1\.3\/[0-9.]+\/\d+$/);
      expect(['MUST', 'SHOULD', 'MAY']).toContain(c.level);
    }
    expect(json.summary.ok).toBe(true);
    // JUnit: one testcase per rule; well-formed enough for a CI parser.
    const junit = r.text('report.xml');
    expect(junit.match(/<testcase /g)?.length).toBe(json.cases.length);
    expect(junit).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    const html = r.text('report.html');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('exits 1 against a broken server, writes the shrunk failure as a reproducer, and replay plays it again (still failing there, passing on a fixed server)', async () => {
    const url = await start({ breaks: 'no-213' });
    const dir = 'repro';
    const r = await omadm(['fuzz', 'server', url, '--seed', seed, '--cases', 'dm-1.3/8/*', '--reproducers', dir, '--json', 'r.json', '-q']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^FAIL dm-1\.3\/8\/1 \(MUST, section 8, DM-PRO-LO-S-001\)/m);
    expect(r.out).toContain('requirement: On receipt of a data object with the <MoreData/> element, the recipient MUST respond');
    const path = `${dir}/dm-1.3_8_1.json`;
    expect(Object.keys(r.written)).toContain(path);
    const json = JSON.parse(r.text('r.json'));
    expect(json.cases.find((c: { id: string }) => c.id === 'dm-1.3/8/1').reproducer).toBe(path);
    // Only the sanity case and section 8 ran.
    expect(json.cases.map((c: { id: string }) => c.id)).toEqual(['dm-1.3/6/1', 'dm-1.3/8/1', 'dm-1.3/8/2', 'dm-1.3/8/3', 'dm-1.3/8/4', 'dm-1.3/8/5']);
    // Shrunk: the smallest object that still fails is 2 chunks of the least size.
    const reproducer = JSON.parse(r.text(path));
    expect(reproducer.params).toEqual({ size: 8, chunks: 2, sizeError: 0 });
    const sent = reproducer.messages.filter((m: { direction: string }) => m.direction === 'sent');
    expect(decodeXml(sent[0].text).syncBody.commands.at(-1)).toMatchObject({ kind: 'Replace', items: [{ moreData: true, meta: { size: '8' } }] });

    const again = await omadm(['fuzz', 'replay', path, url], { [path]: r.text(path) });
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/^FAIL dm-1\.3\/8\/1/);
    await fixture!.close();
    const fixed = await start();
    const passes = await omadm(['fuzz', 'replay', path, fixed], { [path]: r.text(path) });
    expect(passes.code).toBe(0);
    expect(passes.out).toMatch(/^PASS dm-1\.3\/8\/1/);
  });

  it('--expect-fail: a known failure does not fail the run, an expected failure that passes does (XPASS)', async () => {
    let url = await start({ breaks: 'no-213' });
    const known = await omadm(['fuzz', 'server', url, '--seed', seed, '--cases', 'dm-1.3/8/1', '--expect-fail', 'known.txt', '-q'], { 'known.txt': '# known\ndm-1.3/8/1\n' });
    expect(known.code).toBe(0);
    expect(known.out).toMatch(/^XFAIL +dm-1\.3\/8\/1/m);
    await fixture!.close();
    url = await start({ breaks: 'no-213' });
    const xpass = await omadm(['fuzz', 'server', url, '--seed', seed, '--cases', 'dm-1.3/8/4', '--expect-fail', 'known.txt', '-q'], { 'known.txt': 'dm-1.3/8/4' });
    expect(xpass.code).toBe(1);
    expect(xpass.out).toMatch(/^XPASS +dm-1\.3\/8\/4/m);
  });

  it('stops after the sanity case when the peer cannot play a session, and never exits 0 when nothing ran', async () => {
    // A port nobody listens on: taken, then closed.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await omadm(['fuzz', 'server', `http://127.0.0.1:${port}/dm`, '--seed', seed, '-q', '--timeout', '2']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^CRASH +dm-1\.3\/6\/1/m);
    expect(r.out).toContain('stopped early: the sanity case dm-1.3/6/1 did not pass');
    expect(r.out).toMatch(/^SKIP +dm-1\.3\/8\/1/m);
  });

  it('--max-sessions bounds the run: the cases it leaves out say so', async () => {
    const url = await start();
    const r = await omadm(['fuzz', 'server', url, '--seed', seed, '--max-sessions', '3', '--json', 'r.json', '-q']);
    const json = JSON.parse(r.text('r.json'));
    expect(json.summary.sessions).toBeLessThanOrEqual(3 + 1); // a case that starts may finish its session
    expect(json.cases.filter((c: { detail: string }) => c.detail.includes('--max-sessions 3 reached')).length).toBeGreaterThan(0);
  });

  it('the same seed sends the same messages, byte for byte (the SessionID base given)', async () => {
    const run = async (port: number) => {
      await fixture?.close();
      fixture = await startFixture({ port });
      const peer = { url: fixture.url, encoding: 'wbxml' as const, devId: 'IMEI:000000000000000', auth: 'none' as const, timeoutMs: 5000 };
      const report = await runFuzz({ peer, seed: Number(seed), sessionBase: 100, cases: ['dm-1.3/6/2', 'dm-1.3/6/5'] });
      return { port: Number(new URL(fixture.url).port), sent: report.cases.flatMap((c) => c.wire.filter((w) => w.direction === 'sent').map((w) => w.text)) };
    };
    const a = await run(0);
    const b = await run(a.port);
    expect(b.sent.join('\n')).toBe(a.sent.join('\n'));
  });

  it('refuses bad command lines with exit 2', async () => {
    expect((await omadm(['fuzz', 'server', 'ftp://x/'])).code).toBe(2);
    expect((await omadm(['fuzz', 'server', 'http://127.0.0.1:1/dm', '--auth', 'md5'])).err).toContain('--auth md5 needs --client-secret');
    expect((await omadm(['fuzz', 'server', 'http://127.0.0.1:1/dm', '--auth', 'kerberos'])).code).toBe(2);
    expect((await omadm(['fuzz', 'server', 'http://127.0.0.1:1/dm', '--auth', 'basic', '--client-secret', 's'])).err).toContain("cannot carry ':'");
    expect((await omadm(['fuzz', 'nonsense'])).code).toBe(2);
    const replay = await omadm(['fuzz', 'replay', 'x.json', 'http://127.0.0.1:1/dm'], { 'x.json': '{"format":"something else"}' });
    expect(replay.code).toBe(1);
    expect(replay.err).toContain('not an omadm-fuzz-reproducer file');
  });

  it('omadm fuzz client --listen 127.0.0.1:0 --exec CMD: runs the client under test once per case and reports (sections 6.3, 8)', async () => {
    const script = fileURLToPath(new URL('./fixture-client.ts', import.meta.url));
    const exec = `exec "${process.execPath}" --import tsx "${script}" no-213`;
    const r = await omadm(['fuzz', 'client', '--listen', '127.0.0.1:0', '--exec', exec, '--cases', 'dm-1.3/8/6', '--json', 'c.json', '--timeout', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^omadm fuzz client: a DM server at http:\/\/127\.0\.0\.1:\d+\/dm \(seed \d+\)\n/);
    expect(r.out).toMatch(/^PASS +dm-1\.3\/6\.3\/1 +DM-PRO-Session-C-002 +MUST +sanity$/m);
    expect(r.out).toMatch(/^FAIL +dm-1\.3\/8\/6 +DM-PRO-LO-C-002/m);
    const json = JSON.parse(r.text('c.json'));
    expect(json.cases[1].detail).toContain('client exit code 0');
    expect((await omadm(['fuzz', 'client'])).code).toBe(2);
    expect((await omadm(['fuzz', 'client', '--listen', 'host:99999'])).code).toBe(2);
  });

  it('omadm fuzz client --reproducers DIR keeps the shrunk failure, and omadm fuzz replay FILE --listen --exec plays it to the client again (DM-PRO-LO-C-003, section 8)', async () => {
    const script = fileURLToPath(new URL('./fixture-client.ts', import.meta.url));
    const client = (breaks = '') => `exec "${process.execPath}" --import tsx "${script}" ${breaks}`.trimEnd();
    const r = await omadm(['fuzz', 'client', '--listen', '127.0.0.1:0', '--exec', client('commits-chunks'), '--cases', 'dm-1.3/8/8', '--seed', seed, '--max-shrinks', '2', '--reproducers', 'repro', '--json', 'c.json', '--html', 'c.html', '--junit', 'c.xml', '-q', '--timeout', '5']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL +dm-1\.3\/8\/8 +DM-PRO-LO-C-003 +MUST +robustness$/m);
    const path = 'repro/dm-1.3_8_8.json';
    expect(r.out).toContain(`reproducer of dm-1.3/8/8: ${path} (omadm fuzz replay ${path} --listen 127.0.0.1:0 --exec CMD)`);
    const json = JSON.parse(r.text('c.json'));
    expect(json.seed).toBe(Number(seed));
    expect(json.cases.find((c: { id: string }) => c.id === 'dm-1.3/8/8')).toMatchObject({ verdict: 'fail', reproducer: path });
    // The example failed, then 2 shrinking attempts: each one more start of the client by --exec, one session each.
    expect(json.cases.find((c: { id: string }) => c.id === 'dm-1.3/8/8').runs).toBe(1 + 2);
    expect(json.summary.sessions).toBe(1 + 3);
    const reproducer = JSON.parse(r.text(path));
    expect(reproducer).toMatchObject({ format: 'omadm-fuzz-reproducer', mode: 'client', case: 'dm-1.3/8/8', verdict: 'fail', encoding: 'xml' });
    expect(reproducer.expected).toContain('./OmadmFuzzKept still');
    expect(reproducer.params.size + reproducer.params.chunks).toBeLessThan(600 + 3); // smaller than the example
    // The server messages of the failing run: among them the chunked Replace of the node.
    const sent = reproducer.messages.filter((m: { direction: string }) => m.direction === 'sent').map((m: { text: string }) => decodeXml(m.text));
    expect(sent.some((m: ReturnType<typeof decodeXml>) => m.syncBody.commands.some((c) => c.kind === 'Replace' && c.items.some((i) => i.moreData === true && i.target?.locURI === './OmadmFuzzKept')))).toBe(true);
    // HTML and JUnit carry it too: the shrunk parameters.
    expect(r.text('c.html')).toContain('reproducer (shrunk parameters)');
    expect(r.text('c.xml')).toContain(`<system-out>reproducer (client mode, seed ${seed}, xml): parameters ${JSON.stringify(reproducer.params).replace(/"/g, '&quot;')}</system-out>`);

    const files = { [path]: r.text(path) };
    const still = await omadm(['fuzz', 'replay', path, '--listen', '127.0.0.1:0', '--exec', client('commits-chunks'), '--timeout', '5'], files);
    expect(still.code).toBe(1);
    expect(still.err).toMatch(/^omadm fuzz replay: a DM server at http:\/\/127\.0\.0\.1:\d+\/dm\n/);
    expect(still.out).toMatch(/^FAIL dm-1\.3\/8\/8 \(MUST, section 8\)/);
    expect(still.out).toContain('expected: ./OmadmFuzzKept still');
    const fixed = await omadm(['fuzz', 'replay', path, '--listen', '127.0.0.1:0', '--exec', client(), '--timeout', '5'], files);
    expect(fixed.code).toBe(0);
    expect(fixed.out).toMatch(/^PASS dm-1\.3\/8\/8/);
    expect(fixed.out).toContain('client exit code 0');

    // A client-mode reproducer is played at --listen, a server-mode one to a URL.
    expect((await omadm(['fuzz', 'replay', path, 'http://127.0.0.1:1/dm'], files)).err).toContain('is a client-mode reproducer');
    expect((await omadm(['fuzz', 'replay', path], files)).code).toBe(2);
    expect((await omadm(['fuzz', 'replay', path, '--listen', '0', '--server-auth', 'md5'], files)).err).toContain('--server-auth is for server-mode ones');
    const serverMode = { 's.json': JSON.stringify({ ...reproducer, mode: 'server', case: 'dm-1.3/8/1' }) };
    expect((await omadm(['fuzz', 'replay', 's.json', '--listen', '0'], serverMode)).err).toContain("give the DM server's URL");
    expect((await omadm(['fuzz', 'replay', 's.json', '--listen', '0', 'http://127.0.0.1:1/dm'], serverMode)).code).toBe(2);
    expect((await omadm(['fuzz', 'replay', 'x.json', '--listen', '0'], { 'x.json': JSON.stringify({ ...reproducer, mode: 'both' }) })).err).toContain('neither server nor client');
  }, 120_000);
});
