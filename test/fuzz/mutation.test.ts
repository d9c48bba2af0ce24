/**
 * Mutation testing of the fuzzer (issue 13): against the project's own ServerSession behind
 * createDmServer on 127.0.0.1, `omadm fuzz server` reports zero failures; against the same
 * server with one rule broken at a time, it finds that rule, names it, and nothing else
 * fails. The run's seed is the test run's fast-check seed (replay with OMADM_FC_SEED).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runFuzz, type FuzzReport } from '../../src/fuzz/runner.js';
import type { ServerPeerConfig } from '../../src/fuzz/peer/client-driver.js';
import { startFixture, type Fixture, type FixtureBreak, type FixtureOptions } from './fixture-server.js';

const DEV_ID = 'IMEI:000000000000000';
const seed = fc.readConfigureGlobal().seed ?? 42;

let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function fuzz(options: FixtureOptions & { encoding?: 'xml' | 'wbxml' }): Promise<FuzzReport> {
  const auth = options.auth ?? 'none';
  fixture = await startFixture({ ...options, devId: DEV_ID, username: 'device-7', password: 'correct horse' });
  const peer: ServerPeerConfig = { url: fixture.url, encoding: options.encoding ?? 'xml', devId: DEV_ID, auth, clientName: 'device-7', clientSecret: 'correct horse', timeoutMs: 5000 };
  return runFuzz({ peer, seed, maxSessions: 400 });
}

const failing = (r: FuzzReport) => r.cases.filter((c) => c.verdict === 'fail' || c.verdict === 'crash' || c.verdict === 'hang').map((c) => `${c.verdict} ${c.id}`);

describe('omadm fuzz server against the unbroken fixture server (ServerSession behind createDmServer)', () => {
  it.each([
    ['xml', 'none'],
    ['wbxml', 'basic'],
    ['xml', 'md5'],
    ['wbxml', 'hmac'],
  ] as const)('reports zero failures in %s with auth %s, every case run', async (encoding, auth) => {
    const report = await fuzz({ encoding, auth });
    expect(failing(report)).toEqual([]);
    expect(report.summary.ok).toBe(true);
    expect(report.stopped).toBeUndefined();
    // Skips only where the peer is played without authentication, and the server's own credentials unchecked.
    const skipped = report.cases.filter((c) => c.verdict === 'skip').map((c) => c.id);
    expect(skipped).toEqual(['dm-1.3/6.4/3', ...(auth === 'none' ? ['dm-1.3/9.1/1', 'dm-1.3/9.1/2', 'dm-1.3/9.1/3'] : [])]);
  });
});

/** Each broken rule, and the one case that must name it (DM-PRO ids where Appendix B has one). */
const BROKEN: readonly [FixtureBreak, string, NonNullable<FixtureOptions['auth']>, string][] = [
  ['no-status', 'fail dm-1.3/6.4/1', 'none', 'DM-PRO-S-008'],
  ['wrong-cmdref', 'fail dm-1.3/6.4/2', 'none', 'DM-PRO-S-008'],
  ['final-on-non-last', 'fail dm-1.3/7.2/1', 'none', 'DM-PRO-Mul-S-001'],
  ['over-maxmsgsize', 'fail dm-1.3/5.1/1', 'none', 'section 5.1'],
  ['chunks-out-of-order', 'fail dm-1.3/8/3', 'none', 'section 8'],
  ['no-213', 'fail dm-1.3/8/1', 'none', 'DM-PRO-LO-S-001'],
  ['size-unchecked', 'fail dm-1.3/8/2', 'none', 'DM-PRO-LO-S-009'],
  ['no-chal-on-401', 'fail dm-1.3/9.1/1', 'basic', 'DM-PRO-S-010'],
  ['crash-on-unknown', 'crash dm-1.3/6/4', 'none', 'section 6'],
];

describe('mutation testing of the fuzzer: one rule broken at a time, named, and nothing else fails', () => {
  it.each(BROKEN)('fixture broken with %s: the fuzzer reports exactly %s (auth %s; %s)', async (broken, expected, auth) => {
    const report = await fuzz({ breaks: broken, auth });
    expect(failing(report)).toEqual([expected]);
    expect(report.summary.ok).toBe(false);
    const found = report.cases.find((c) => `${c.verdict} ${c.id}` === expected)!;
    // The failure is kept as a reproducer: the case, its shrunk parameters and the messages of that run.
    expect(found.reproducer?.case).toBe(found.id);
    expect(found.reproducer?.messages.length).toBeGreaterThan(0);
    expect(found.wire.some((e) => e.direction === 'sent')).toBe(true);
  });
});

describe("the server's own credentials (--server-auth), DM-PRO-S-010, section 6.4", () => {
  it.each(['basic', 'md5', 'hmac'] as const)('are checked, and right ones pass dm-1.3/6.4/3 (%s)', async (scheme) => {
    fixture = await startFixture({ devId: DEV_ID, serverAuth: scheme, serverId: 'dm.example', serverSecret: 'server-secret' });
    const peer: ServerPeerConfig = { url: fixture.url, encoding: 'xml', devId: DEV_ID, auth: 'none', serverId: 'dm.example', serverAuth: scheme, serverSecret: 'server-secret', timeoutMs: 5000 };
    const report = await runFuzz({ peer, seed, cases: ['dm-1.3/6.4/*'] });
    expect(failing(report)).toEqual([]);
    expect(report.cases.find((c) => c.id === 'dm-1.3/6.4/3')?.verdict).toBe('pass');
  });

  it('a server with the wrong secret fails dm-1.3/6.4/3', async () => {
    fixture = await startFixture({ devId: DEV_ID, serverAuth: 'md5', serverId: 'dm.example', serverSecret: 'not the secret' });
    const peer: ServerPeerConfig = { url: fixture.url, encoding: 'wbxml', devId: DEV_ID, auth: 'none', serverId: 'dm.example', serverAuth: 'md5', serverSecret: 'server-secret', timeoutMs: 5000 };
    const report = await runFuzz({ peer, seed, cases: ['dm-1.3/6.4/3'] });
    expect(failing(report)).toEqual(['fail dm-1.3/6.4/3']);
    expect(report.cases.at(-1)?.observed).toMatch(/^invalid: digest does not match/);
  });
});
