/**
 * Runs the cases against a peer: the sanity case first (if the peer cannot play a plain
 * session, nothing else runs), then every selected case. Each case is a fast-check
 * property over its parameters: a failure is shrunk to the smallest parameters that still
 * fail, and that run's messages become the reproducer.
 *
 * Rules kept here
 * 1. Deterministic under a seed: each case's seed is the run's seed mixed with its id; only
 *    the SessionIDs differ between runs (they count up from a random base).
 * 2. Bounded: --max-sessions (sessions opened, shrinking included) and --max-time (checked
 *    before every run); shrinking stops after `maxShrinks` runs, after 3 for a crash or a
 *    hang (each may cost a timeout). A case that could not run at all is a skip that says so.
 * 3. A crash or a hang is followed by a plain session: when that fails too, the peer is
 *    down and the remaining cases are not run (each says why).
 * 4. Expected failures (--expect-fail) are failures that do not fail the run; an expected
 *    failure that passes is reported and does fail it. The run is ok only when at least
 *    one case ran and every case passed, was skipped, or failed as expected.
 */
import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import type { CaseContext, FuzzCase, Outcome, Verdict } from './case.js';
import { serverCases } from './cases/index.js';
import { matchesAny } from './glob.js';
import { DevicePeer, type PeerSession, type ServerPeerConfig } from './peer/client-driver.js';
import { AlertCode } from '../../generated/codes.js';
import { isCaseStop } from './peer/play.js';
import { makeReproducer, type Reproducer } from './reproducer.js';
import { WireLog, withWire, type WireEntry } from './wire.js';

export interface FuzzOptions {
  readonly peer: ServerPeerConfig;
  readonly seed: number;
  /** Globs of case ids to run (default all). */
  readonly cases?: readonly string[];
  readonly exclude?: readonly string[];
  readonly maxTimeMs?: number;
  readonly maxSessions?: number;
  /** Case ids (or globs) known to fail. */
  readonly expectFail?: readonly string[];
  /** Shrinking runs per failing case. Default 40. */
  readonly maxShrinks?: number;
  /** Milliseconds, for the time budget and durations. Default Date.now. */
  readonly now?: () => number;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** The cases to choose from (default: every server case). */
  readonly catalogue?: readonly FuzzCase[];
  /**
   * The first SessionID (0..0xF000), the next ones counting up. Default: a random one, so
   * that a run repeated with the same seed does not reuse the SessionIDs of the last one (a
   * server would take its Package#1 for a resent message); everything else follows the seed.
   */
  readonly sessionBase?: number;
}

export type ProgressEvent =
  | { readonly type: 'start'; readonly total: number }
  | { readonly type: 'case'; readonly index: number; readonly total: number; readonly id: string; readonly title: string }
  | { readonly type: 'result'; readonly index: number; readonly total: number; readonly result: CaseResult };

export interface CaseResult {
  readonly id: string;
  readonly section: string;
  readonly pro?: string;
  readonly level: string;
  readonly requirement: string;
  readonly kind: string;
  readonly title: string;
  readonly verdict: Verdict;
  /** One line: why (for a pass, what was seen). */
  readonly detail: string;
  readonly expected?: string;
  readonly observed?: string;
  /** Listed in --expect-fail. */
  readonly expectedFailure: boolean;
  /** Listed in --expect-fail, and passed. */
  readonly unexpectedPass: boolean;
  /** Property runs made (shrinking included). */
  readonly runs: number;
  readonly durationMs: number;
  /** The failure, shrunk, as a file `omadm fuzz replay` plays. */
  readonly reproducer?: Reproducer;
  /** The messages of the run reported (the shrunk failure, else the first run). */
  readonly wire: readonly WireEntry[];
}

export interface Summary {
  readonly total: number;
  readonly pass: number;
  readonly fail: number;
  readonly skip: number;
  readonly crash: number;
  readonly hang: number;
  readonly expectedFailures: number;
  readonly unexpectedPasses: number;
  readonly sessions: number;
  /** Every case passed, was skipped, or failed as expected, and at least one ran. */
  readonly ok: boolean;
}

export interface FuzzReport {
  readonly peer: { readonly url: string; readonly encoding: string; readonly devId: string; readonly serverId?: string; readonly auth: string };
  readonly started: string;
  readonly seed: number;
  readonly cases: readonly CaseResult[];
  readonly summary: Summary;
  /** Why the run stopped before the end, if it did. */
  readonly stopped?: string;
}

/** FNV-1a of a string, mixed with the run's seed: a case's own seed. */
export function caseSeed(seed: number, id: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The cases `options` selects, in order (the sanity case always first). */
export function selectCases(options: Pick<FuzzOptions, 'cases' | 'exclude' | 'catalogue'>): FuzzCase[] {
  const all = options.catalogue ?? serverCases;
  return all.filter((c) => c.kind === 'sanity' || ((options.cases === undefined || options.cases.length === 0 || matchesAny(c.id, options.cases)) && !matchesAny(c.id, options.exclude ?? [])));
}

const FAILING: ReadonlySet<Verdict> = new Set(['fail', 'crash', 'hang']);

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const now = options.now ?? Date.now;
  const begin = now();
  const deadline = options.maxTimeMs !== undefined ? begin + options.maxTimeMs : Infinity;
  const maxSessions = options.maxSessions ?? Infinity;
  const device = new DevicePeer(options.peer, options.sessionBase ?? randomInt(0, 0xf000));
  const selected = selectCases(options);
  const results: CaseResult[] = [];
  let stopped: string | undefined;
  options.onProgress?.({ type: 'start', total: selected.length });

  const outOfBudget = (): string | undefined =>
    device.sessions >= maxSessions ? `--max-sessions ${maxSessions} reached` : now() >= deadline ? `--max-time ${options.maxTimeMs} ms reached` : undefined;

  for (const [index, c] of selected.entries()) {
    if (stopped === undefined) stopped = outOfBudget();
    if (stopped !== undefined) {
      results.push(notRun(c, `not run: ${stopped}`, options));
      continue;
    }
    options.onProgress?.({ type: 'case', index, total: selected.length, id: c.id, title: c.title });
    const result = await runCase(c, { ...options, device, outOfBudget, now });
    results.push(result);
    options.onProgress?.({ type: 'result', index, total: selected.length, result });
    if (c.kind === 'sanity' && result.verdict !== 'pass') {
      stopped = `the sanity case ${c.id} did not pass: the peer cannot play a plain DM session`;
    } else if ((result.verdict === 'crash' || result.verdict === 'hang') && selected[0]?.kind === 'sanity') {
      const check = await runCase(selected[0], { ...options, device, outOfBudget: () => undefined, now, maxShrinks: 0 });
      if (check.verdict !== 'pass') stopped = `the peer stopped answering after ${c.id} (${check.detail})`;
    }
  }
  return {
    peer: { url: options.peer.url, encoding: options.peer.encoding, devId: options.peer.devId, ...(options.peer.serverId ? { serverId: options.peer.serverId } : {}), auth: options.peer.auth },
    started: new Date(begin).toISOString(),
    seed: options.seed,
    cases: results,
    summary: summarise(results, device.sessions),
    ...(stopped !== undefined ? { stopped } : {}),
  };
}

function notRun(c: FuzzCase, why: string, options: FuzzOptions): CaseResult {
  const expected = matchesAny(c.id, options.expectFail ?? []);
  return { ...ruleOf(c), verdict: 'skip', detail: why, expectedFailure: expected, unexpectedPass: false, runs: 0, durationMs: 0, wire: [] };
}

/** The result of a case whose (shrunk) failure is `outcome`, with its reproducer and wire log. */
export function failureResult(
  base: Omit<CaseResult, 'verdict' | 'detail' | 'expected' | 'observed' | 'unexpectedPass' | 'reproducer' | 'wire'>,
  outcome: Outcome,
  detail: string,
  reproducer: Reproducer,
  log: WireLog,
): CaseResult {
  return withWire(
    {
      ...base,
      verdict: outcome.verdict,
      detail,
      ...(outcome.verdict === 'fail' ? { expected: outcome.expected, observed: outcome.observed } : {}),
      unexpectedPass: false,
      reproducer,
    },
    log,
  );
}

function ruleOf(c: FuzzCase): Pick<CaseResult, 'id' | 'section' | 'pro' | 'level' | 'requirement' | 'kind' | 'title'> {
  return { id: c.id, section: c.section, ...(c.pro ? { pro: c.pro } : {}), level: c.level, requirement: c.requirement, kind: c.kind, title: c.title };
}

interface CaseRunOptions extends FuzzOptions {
  readonly device: DevicePeer;
  readonly outOfBudget: () => string | undefined;
  readonly now: () => number;
}

/** Runs one case once with `params` against the device's peer. */
export async function runOnce(c: FuzzCase, params: unknown, device: DevicePeer, log: WireLog): Promise<Outcome> {
  const opened: PeerSession[] = [];
  const ctx: CaseContext = {
    session: () => {
      const session = device.session(log);
      opened.push(session);
      return session;
    },
    authenticates: device.config.auth !== 'none',
    checksServer: device.config.serverAuth !== undefined && device.config.serverAuth !== 'none',
    encoding: device.config.encoding,
  };
  try {
    return await c.run(ctx, params);
  } catch (e) {
    if (isCaseStop(e)) return e.outcome;
    throw e;
  } finally {
    await closeLeftOpen(opened);
  }
}

/**
 * A case may stop in the middle of a session (it saw what it came for). A device that
 * leaves a session open holds the server's one session per device until it expires, and
 * the next case would meet a refusal that is not its rule's: so, as a well-behaved device
 * would, the fuzzer aborts (6.1.2, Alert 1223) every session the server answered. From
 * outside, a session that looks closed may still be open on the server's side (a refusal,
 * a package the server still waits to see acknowledged): a server that had ended it
 * refuses the abort, which changes nothing. The answer is discarded (DM-PRO-Abort-C-005).
 */
async function closeLeftOpen(sessions: readonly PeerSession[]): Promise<void> {
  for (const session of sessions) {
    const last = session.exchanges.at(-1);
    if (last === undefined || last.reply.kind !== 'message') continue;
    // With credentials: the server may have restarted the session and not accepted us in it yet.
    await session.send({ commands: [{ kind: 'Alert', data: String(AlertCode.SessionAbort), items: [] }], final: true, cred: 'always' }).catch(() => undefined);
  }
}

async function runCase(c: FuzzCase, o: CaseRunOptions): Promise<CaseResult> {
  const start = o.now();
  const expected = matchesAny(c.id, o.expectFail ?? []);
  let runs = 0;
  let firstPass: { outcome: Outcome; log: WireLog } | undefined;
  let skipped: { outcome: Outcome; log: WireLog } | undefined;
  const failures = new Map<string, { outcome: Outcome; log: WireLog }>();
  let lastFailure: { outcome: Outcome; log: WireLog; params: unknown } | undefined;
  let budgetHit: string | undefined;
  let shrinks = 0;
  const maxShrinks = o.maxShrinks ?? 40;
  const property = fc.asyncProperty(c.params, async (params) => {
    if (lastFailure) {
      // Shrinking: bounded in runs, fewer after a crash or a hang (each may cost a timeout).
      const limit = lastFailure.outcome.verdict === 'fail' ? maxShrinks : Math.min(maxShrinks, 3);
      if (shrinks++ >= limit || o.outOfBudget() !== undefined) return true;
    } else {
      budgetHit = o.outOfBudget();
      if (budgetHit !== undefined) return true;
    }
    runs++;
    const log = new WireLog();
    const outcome = await runOnce(c, params, o.device, log);
    if (FAILING.has(outcome.verdict)) {
      const entry = { outcome, log };
      failures.set(JSON.stringify(params), entry);
      lastFailure = { ...entry, params };
      return false;
    }
    if (outcome.verdict === 'skip') skipped ??= { outcome, log };
    else firstPass ??= { outcome, log };
    return true;
  });
  const details = await fc.check(property, { seed: caseSeed(o.seed, c.id), numRuns: 1 + (c.extraRuns ?? 0) });
  const base = { ...ruleOf(c), expectedFailure: expected, runs, durationMs: Math.max(0, o.now() - start) };
  if (details.failed && details.counterexample && lastFailure) {
    const params = details.counterexample[0];
    const found = failures.get(JSON.stringify(params)) ?? lastFailure!;
    const { outcome, log } = found;
    const detail = outcome.verdict === 'fail' ? `expected ${outcome.expected}; observed ${outcome.observed}` : 'detail' in outcome ? (outcome.detail ?? '') : '';
    return failureResult(base, outcome, detail, makeReproducer(c, { seed: o.seed, encoding: o.peer.encoding, params, outcome, log }), log);
  }
  // An exception of our own (not a verdict about the peer): a bug of the fuzzer, reported as such.
  if (details.failed) throw details.errorInstance ?? new Error(`case ${c.id}: the property run failed without a counterexample`);
  if (runs === 0) return { ...base, verdict: 'skip', detail: `not run: ${budgetHit ?? 'no run was possible'}`, unexpectedPass: false, wire: [] };
  const shown = firstPass ?? skipped!;
  if (!firstPass) return withWire({ ...base, verdict: 'skip', detail: shown.outcome.verdict === 'skip' ? shown.outcome.detail : '', unexpectedPass: false }, shown.log);
  const detail = firstPass.outcome.verdict === 'pass' ? (firstPass.outcome.detail ?? `${runs} run${runs === 1 ? '' : 's'}`) : '';
  return withWire({ ...base, verdict: 'pass', detail: expected ? `passed, but listed in --expect-fail (${detail})` : detail, unexpectedPass: expected }, firstPass.log);
}

export function summarise(results: readonly CaseResult[], sessions: number): Summary {
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const expectedFailures = results.filter((r) => r.expectedFailure && FAILING.has(r.verdict)).length;
  const unexpectedPasses = results.filter((r) => r.unexpectedPass).length;
  const ran = results.filter((r) => r.runs > 0).length;
  const bad = results.filter((r) => (FAILING.has(r.verdict) && !r.expectedFailure) || r.unexpectedPass).length;
  return { total: results.length, pass: count('pass'), fail: count('fail'), skip: count('skip'), crash: count('crash'), hang: count('hang'), expectedFailures, unexpectedPasses, sessions, ok: ran > 0 && bad === 0 };
}
