/**
 * `omadm fuzz client`: the fuzzer plays the DM server for the project's ClientSession (a
 * fixture client over HttpTransport, one session per case, on 127.0.0.1). Unbroken: zero
 * failures; one rule broken at a time: that rule is named, and nothing else fails; with
 * --exec the fuzzer starts the client itself and records how it ended.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runClientFuzz, runClientOnce, type ClientFuzzOptions } from '../../src/fuzz/client-runner.js';
import { refusedObjectKeepsNoData } from '../../src/fuzz/cases/client.js';
import { ClientListener } from '../../src/fuzz/peer/server-driver.js';
import type { FuzzReport } from '../../src/fuzz/runner.js';
import { runFixtureClient, type ClientBreak } from './fixture-client.js';
import { auth, decodeXml } from '../../src/index.js';

const failing = (r: FuzzReport) => r.cases.filter((c) => c.verdict === 'fail' || c.verdict === 'crash' || c.verdict === 'hang').map((c) => `${c.verdict} ${c.id}`);

/** Runs the client fuzzer with the fixture client connecting once for each case, as the fuzzer starts it. */
async function fuzzClient(breaks?: ClientBreak, encoding: 'xml' | 'wbxml' = 'xml', scheme?: 'basic' | 'md5' | 'hmac', extra: Partial<ClientFuzzOptions> = {}): Promise<FuzzReport> {
  let url = '';
  const store = new auth.InMemoryCredentialStore();
  const clients: Promise<void>[] = [];
  let sessionID = 0;
  const report = await runClientFuzz({
    host: '127.0.0.1',
    port: 0,
    seed: 1,
    timeoutMs: 3000,
    caseTimeoutMs: 5000,
    ...(scheme ? { auth: scheme, clientName: 'device-7', clientSecret: 'pw' } : {}),
    ...extra,
    onListening: (u) => (url = u),
    // One client session for each run of a case (shrinking attempts too), as --exec would start it.
    onWaiting: () => {
      sessionID++;
      clients.push(runFixtureClient(url, { ...(breaks ? { breaks } : {}), ...(scheme ? { auth: scheme, store } : {}), encoding, sessionID: String(sessionID) }));
    },
  });
  await Promise.all(clients);
  return report;
}

describe('omadm fuzz client against the fixture client (ClientSession over HttpTransport)', () => {
  it.each(['xml', 'wbxml'] as const)('reports zero failures in %s, every case run', async (encoding) => {
    const report = await fuzzClient(undefined, encoding);
    expect(failing(report)).toEqual([]);
    // Every case passes; the one that needs authentication is skipped without it.
    expect(report.cases.filter((c) => c.verdict !== 'pass').map((c) => `${c.verdict} ${c.id}`)).toEqual(['skip dm-1.3/9/2']);
    expect(report.summary.ok).toBe(true);
    expect(report.peer.encoding).toBe(encoding);
    // Each case's wire log is rendered when a report reads it, not while the case runs.
    for (const c of report.cases.filter((c) => c.verdict === 'pass')) expect(Object.getOwnPropertyDescriptor(c, 'wire')?.get, c.id).toBeTypeOf('function');
    expect(report.cases.find((c) => c.verdict === 'pass')!.wire[0]).toMatchObject({ direction: 'received', format: encoding });
  });

  it.each(['basic', 'md5', 'hmac'] as const)('with --auth %s: the client is challenged, reverts to Package#1 with its credentials, and every case passes (section 9)', async (scheme) => {
    const report = await fuzzClient(undefined, 'xml', scheme);
    expect(failing(report)).toEqual([]);
    expect(report.cases.every((c) => c.verdict === 'pass')).toBe(true);
  });

  it.each([
    ['no-status', 'fail dm-1.3/6.5/1', 'DM-PRO-C-008'],
    ['no-213', 'fail dm-1.3/8/6', 'DM-PRO-LO-C-002'],
    ['size-unchecked', 'fail dm-1.3/8/7', 'DM-PRO-LO-C-010'],
    ['final-early', 'fail dm-1.3/7.2/4', 'DM-PRO-Mul-C-002'],
    ['answers-abort', 'fail dm-1.3/6.1.2/2', 'DM-PRO-Abort-C-002'],
    ['commits-chunks', 'fail dm-1.3/8/8', 'DM-PRO-LO-C-003'],
  ] as const)('fixture client broken with %s: the fuzzer reports exactly %s (%s)', async (breaks, expected, _pro) => {
    const report = await fuzzClient(breaks);
    expect(failing(report)).toEqual([expected]);
    expect(report.summary.ok).toBe(false);
    // The failure is kept as a client-mode reproducer: the case, its parameters, the server messages of the run.
    const found = report.cases.find((c) => `${c.verdict} ${c.id}` === expected)!;
    expect(found.reproducer).toMatchObject({ mode: 'client', case: found.id, verdict: found.verdict });
    expect(found.reproducer!.messages.some((m) => m.direction === 'sent')).toBe(true);
  });

  it('shrinks a failure to the smallest message sequence that still fails: only the Delete whose Status is missing (DM-PRO-C-008, section 6.5)', async () => {
    const report = await fuzzClient('no-status');
    const found = report.cases.find((c) => c.id === 'dm-1.3/6.5/1')!;
    expect(found.verdict).toBe('fail');
    expect(found.reproducer?.params).toEqual({ get: false, replace: false, add: false, delete: true, exec: false });
    // Package#2 of the shrunk run carries the Delete and nothing else but Statuses.
    const p2 = found.reproducer!.messages.filter((m) => m.direction === 'sent')[0]!;
    expect(decodeXml(p2.text).syncBody.commands.filter((c) => c.kind !== 'Status').map((c) => c.kind)).toEqual(['Delete']);
    expect(found.runs).toBeGreaterThan(1);
    expect(found.runs).toBeLessThanOrEqual(1 + 20);
  });

  it.each([
    ['maxShrinks', { maxShrinks: 0 }],
    ['shrinkTimeMs', { shrinkTimeMs: 0 }],
  ] as const)('shrinking is bounded by %s: at 0 the failure is kept as first found, in one run (section 6.5)', async (_bound, bound) => {
    const report = await fuzzClient('no-status', 'xml', undefined, { ...bound, cases: ['dm-1.3/6.5/1'] });
    const found = report.cases.find((c) => c.id === 'dm-1.3/6.5/1')!;
    expect(found).toMatchObject({ verdict: 'fail', runs: 1 });
    expect(found.reproducer?.params).toEqual({ get: true, replace: true, add: true, delete: true, exec: true });
    expect(report.summary.sessions).toBe(2);
  });

  it('--max-sessions bounds shrinking too: the attempts stop when the sessions are spent (section 6.5)', async () => {
    const report = await fuzzClient('no-status', 'xml', undefined, { maxSessions: 4, cases: ['dm-1.3/6.5/1'] });
    const found = report.cases.find((c) => c.id === 'dm-1.3/6.5/1')!;
    expect(found.verdict).toBe('fail');
    expect(report.summary.sessions).toBe(4);
    expect(found.runs).toBe(3);
  });

  it('shrinks a refused object that left its data to the least size and chunks (DM-PRO-LO-C-003, section 8)', async () => {
    const report = await fuzzClient('commits-chunks');
    const found = report.cases.find((c) => c.id === 'dm-1.3/8/8')!;
    expect(found.verdict).toBe('fail');
    expect(found.expected).toContain('./OmadmFuzzKept still "omadm-fuzz: the value before"');
    expect(found.observed).toBe(`it reads "omadm-fu"`); // the 8 bytes of the refused object, committed
    expect(found.reproducer?.params).toMatchObject({ size: 8, chunks: 2 });
  });

  it('--exec: starts the client once per case with $OMADM_URL, and a client killed by a signal is a crash (DM-PRO-UI-C-002, section 10.2)', async () => {
    const script = fileURLToPath(new URL('./fixture-client.ts', import.meta.url));
    const report = await runClientFuzz({ host: '127.0.0.1', port: 0, seed: 1, exec: `exec "${process.execPath}" --import tsx "${script}" crash-on-ui`, timeoutMs: 5000, caseTimeoutMs: 20_000, cases: ['dm-1.3/10.2/*'] });
    expect(report.cases.map((c) => `${c.verdict} ${c.id}`)).toEqual(['pass dm-1.3/6.3/1', 'crash dm-1.3/10.2/2']);
    expect(report.cases[0]!.detail).toContain('client exit code 0');
    expect(report.cases[1]!.detail).toContain('client ended by SIGKILL');
  });

  describe('dm-1.3/8/8 both ways of breaking the object (DM-PRO-LO-C-003, section 8): a wrong Size (424) and a new command in place of the last chunk (1225)', () => {
    async function once(broken: 'size' | 'cut', start: (url: string) => Promise<unknown>) {
      const listener = new ClientListener({ host: '127.0.0.1', port: 0, timeoutMs: 3000 });
      const url = await listener.start();
      try {
        let client: Promise<unknown> | undefined;
        const run = await runClientOnce(refusedObjectKeepsNoData, { size: 100, chunks: 3, broken }, listener, { url, caseTimeoutMs: 5000 }, () => (client = start(url)));
        await client;
        return run.outcome;
      } finally {
        await listener.stop();
      }
    }
    it.each(['size', 'cut'] as const)('%s: the fixture client keeps the old value, the one that commits chunks early does not', async (broken) => {
      expect(await once(broken, (url) => runFixtureClient(url))).toEqual({ verdict: 'pass', detail: expect.any(String) });
      const bad = await once(broken, (url) => runFixtureClient(url, { breaks: 'commits-chunks' }));
      expect(bad).toMatchObject({ verdict: 'fail', expected: expect.stringContaining('./OmadmFuzzKept still "omadm-fuzz: the value before"') });
      // size: every chunk went in (100 bytes); cut: the two that came before the Get (2 × 34 bytes).
      expect(bad.verdict === 'fail' && bad.observed).toMatch(broken === 'size' ? /^it reads "omadm-fuzz: refused data\. .*… \(100 characters\)$/ : /^it reads "omadm-fuzz: refused data\. .*… \(68 characters\)$/);
    });
  });
});
