/**
 * `omadm fuzz client`: the fuzzer is the DM server; each session a client opens is the
 * next run of a case (the sanity case first: if it fails, nothing else runs). With `exec`,
 * the fuzzer starts the client itself, once per run, with the URL in $OMADM_URL, kills it
 * when the case's time is up, and records its exit code and signal: a client killed by a
 * signal is a crash. The report is the same as `omadm fuzz server`'s.
 *
 * Rules kept here
 * 1. A case is a fast-check property over its parameters, as in server mode: its `example`
 *    runs first, then `extraRuns` drawn shapes; a failure is shrunk to the smallest
 *    parameters that still fail, every attempt one more session of the client (started
 *    again by --exec, or by whoever starts it), and kept as a client-mode reproducer that
 *    `omadm fuzz replay FILE --listen [HOST:]PORT` plays again.
 * 2. Bounded: every run by the case's timeout; shrinking by `maxShrinks` attempts (3 after
 *    a crash or a hang, each may cost a timeout) and `shrinkTimeMs`; the run by
 *    --max-sessions and --max-time (checked before every attempt). A shrinking attempt to
 *    which no client came ends the shrinking (the client is not restarted any more): the
 *    failure found last is kept. While shrinking, only a run with the first failure's
 *    verdict counts as failing (a smaller shape that hangs where the first one failed is
 *    another finding, not the same one made smaller).
 * 3. Deterministic under a seed: each case's seed is the run's mixed with its id (as in
 *    server mode), so the same seed sends the same server messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fc from 'fast-check';
import type { Outcome, Verdict } from './case.js';
import { clientCases, findClientCase, type ClientCase } from './cases/client.js';
import { matchesAny } from './glob.js';
import { isCaseStop } from './peer/play.js';
import { ClientListener, type ListenOptions } from './peer/server-driver.js';
import { makeReproducer, type Reproducer } from './reproducer.js';
import { caseSeed, failureResult, summarise, type CaseResult, type FuzzReport, type ProgressEvent } from './runner.js';
import { WireLog, withWire } from './wire.js';

export interface ClientFuzzOptions {
  readonly host: string;
  readonly port: number;
  /** A shell command starting the client under test, once per run ($OMADM_URL: where to connect). */
  readonly exec?: string;
  /** Time for one run of a case, the client's start included. Default 30 s. */
  readonly caseTimeoutMs?: number;
  /** Wait for each client message. Default 10 s. */
  readonly timeoutMs?: number;
  readonly seed: number;
  /** How the client must authenticate (checked by the project's AuthVerifier), its name and secret. */
  readonly auth?: 'none' | 'basic' | 'md5' | 'hmac';
  readonly clientName?: string;
  readonly clientSecret?: string;
  readonly cases?: readonly string[];
  readonly exclude?: readonly string[];
  readonly expectFail?: readonly string[];
  readonly maxTimeMs?: number;
  readonly maxSessions?: number;
  /** Shrinking attempts per failing case (each one session of the client). Default 20. */
  readonly maxShrinks?: number;
  /** Time for shrinking one failure. Default 60 s. */
  readonly shrinkTimeMs?: number;
  readonly now?: () => number;
  readonly onListening?: (url: string) => void;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Called each time the fuzzer waits for the client's next session (a case's run, a
   * shrinking attempt), once it takes one: where a harness without --exec starts its client.
   */
  readonly onWaiting?: (event: WaitingEvent) => void;
}

export interface WaitingEvent {
  readonly id: string;
  /** The case's place in the run. */
  readonly index: number;
  /** Runs of this case so far (0: the first). */
  readonly run: number;
  readonly shrinking: boolean;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly killed: boolean;
}

function startClient(command: string, url: string, timeoutMs: number): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn('/bin/sh', ['-c', command], { env: { ...process.env, OMADM_URL: url }, stdio: ['ignore', 'ignore', 'ignore'] });
  let killed = false;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(kill, timeoutMs);
  const exit = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed });
    });
    child.once('error', () => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, killed: false });
    });
  });
  return { child, exit };
}

/** One run of a case: one session of the client. */
export interface ClientRun {
  readonly outcome: Outcome;
  readonly log: WireLog;
  /** Whether a client opened a session at all. */
  readonly opened: boolean;
  /** The encoding the client spoke. */
  readonly encoding?: 'xml' | 'wbxml';
  /** How the client started by --exec ended (`client exit code 0`), if it was. */
  readonly exitNote?: string;
}

export interface RunSettings {
  readonly url: string;
  readonly exec?: string;
  readonly caseTimeoutMs: number;
}

/** Plays `c` with `params` to the next client that opens a session (started by `exec`, if given). */
export async function runClientOnce(c: ClientCase, params: unknown, listener: ClientListener, settings: RunSettings, onWaiting?: () => void): Promise<ClientRun> {
  const log = new WireLog();
  const timeout = settings.caseTimeoutMs;
  const waiting = listener.nextSession(log, timeout);
  onWaiting?.();
  const client = settings.exec !== undefined ? startClient(settings.exec, settings.url, timeout) : undefined;
  const conv = await Promise.race([waiting, ...(client ? [client.exit.then(() => waiting)] : [])]);
  let outcome: Outcome;
  if (!conv) outcome = { verdict: 'hang', detail: `no client opened a session within ${timeout} ms` };
  else {
    try {
      outcome = await c.run(conv, params);
    } catch (e) {
      if (!isCaseStop(e)) throw e;
      outcome = e.outcome;
    }
    conv.close();
  }
  let exitNote: string | undefined;
  if (client) {
    const exit = await client.exit;
    exitNote = exit.killed ? `client killed after ${timeout} ms` : exit.signal ? `client ended by ${exit.signal}` : `client exit code ${exit.code}`;
    if (exit.signal && !exit.killed) outcome = { verdict: 'crash', detail: `${exitNote}${outcome.verdict === 'fail' ? `; expected ${outcome.expected}; observed ${outcome.observed}` : ''}` };
  }
  return { outcome, log, opened: conv !== undefined, ...(conv ? { encoding: conv.encoding } : {}), ...(exitNote !== undefined ? { exitNote } : {}) };
}

/** The one-line detail of a run's outcome, how the client ended beside it. */
export function describeRun(run: Pick<ClientRun, 'outcome' | 'exitNote'>): string {
  const o = run.outcome;
  const detail = o.verdict === 'fail' ? `expected ${o.expected}; observed ${o.observed}` : (o.detail ?? '');
  if (run.exitNote === undefined || o.verdict === 'crash') return detail;
  return detail === '' ? run.exitNote : `${detail}; ${run.exitNote}`;
}

function listenOptions(o: Pick<ClientFuzzOptions, 'host' | 'port' | 'timeoutMs' | 'auth' | 'clientName' | 'clientSecret'>): ListenOptions {
  return {
    host: o.host,
    port: o.port,
    timeoutMs: o.timeoutMs ?? 10_000,
    ...(o.auth !== undefined ? { auth: o.auth } : {}),
    ...(o.clientName !== undefined ? { clientName: o.clientName } : {}),
    ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
  };
}

const FAILING: ReadonlySet<Verdict> = new Set(['fail', 'crash', 'hang']);

export async function runClientFuzz(options: ClientFuzzOptions): Promise<FuzzReport> {
  const now = options.now ?? Date.now;
  const begin = now();
  const deadline = options.maxTimeMs !== undefined ? begin + options.maxTimeMs : Infinity;
  const listener = new ClientListener(listenOptions(options));
  const url = await listener.start();
  options.onListening?.(url);
  const selected = clientCases.filter((c) => c.kind === 'sanity' || ((options.cases === undefined || options.cases.length === 0 || matchesAny(c.id, options.cases)) && !matchesAny(c.id, options.exclude ?? [])));
  const results: CaseResult[] = [];
  const state: RunState = { sessions: 0, encoding: undefined };
  const outOfBudget = (): string | undefined =>
    options.maxSessions !== undefined && state.sessions >= options.maxSessions ? `--max-sessions ${options.maxSessions} reached` : now() >= deadline ? `--max-time ${options.maxTimeMs} ms reached` : undefined;
  let stopped: string | undefined;
  options.onProgress?.({ type: 'start', total: selected.length });
  try {
    for (const [index, c] of selected.entries()) {
      stopped ??= outOfBudget();
      if (stopped !== undefined) {
        results.push({ ...ruleOf(c), verdict: 'skip', detail: `not run: ${stopped}`, expectedFailure: matchesAny(c.id, options.expectFail ?? []), unexpectedPass: false, runs: 0, durationMs: 0, wire: [] });
        continue;
      }
      options.onProgress?.({ type: 'case', index, total: selected.length, id: c.id, title: c.title });
      const result = await runClientCase(c, index, { ...options, listener, url, now, outOfBudget, state });
      results.push(result);
      options.onProgress?.({ type: 'result', index, total: selected.length, result });
      if (c.kind === 'sanity' && result.verdict !== 'pass') stopped = `the sanity case ${c.id} did not pass: the client cannot play a plain DM session`;
    }
  } finally {
    await listener.stop();
  }
  return {
    peer: { url, encoding: state.encoding ?? 'xml', devId: '(the client that connects)', auth: options.auth ?? 'none' },
    started: new Date(begin).toISOString(),
    seed: options.seed,
    cases: results,
    summary: summarise(results, state.sessions),
    ...(stopped !== undefined ? { stopped } : {}),
  };
}

interface RunState {
  sessions: number;
  encoding: 'xml' | 'wbxml' | undefined;
}

interface CaseRunOptions extends ClientFuzzOptions {
  readonly listener: ClientListener;
  readonly url: string;
  readonly now: () => number;
  readonly outOfBudget: () => string | undefined;
  readonly state: RunState;
}

async function runClientCase(c: ClientCase, index: number, o: CaseRunOptions): Promise<CaseResult> {
  const start = o.now();
  const expected = matchesAny(c.id, o.expectFail ?? []);
  const settings: RunSettings = { url: o.url, caseTimeoutMs: o.caseTimeoutMs ?? 30_000, ...(o.exec !== undefined ? { exec: o.exec } : {}) };
  const maxShrinks = o.maxShrinks ?? 20;
  const shrinkTime = o.shrinkTimeMs ?? 60_000;
  let runs = 0;
  let firstPass: ClientRun | undefined;
  let skipped: ClientRun | undefined;
  const failures = new Map<string, ClientRun>();
  let lastFailure: ClientRun | undefined;
  let shrinkStart = 0;
  let shrinks = 0;
  let shrinkOver = false;
  let budgetHit: string | undefined;
  const property = fc.asyncProperty(c.params, async (params) => {
    const shrinking = lastFailure !== undefined;
    if (lastFailure) {
      const limit = lastFailure.outcome.verdict === 'fail' ? maxShrinks : Math.min(maxShrinks, 3);
      if (shrinkOver || shrinks++ >= limit || o.outOfBudget() !== undefined || o.now() - shrinkStart >= shrinkTime) return true;
    } else {
      budgetHit = o.outOfBudget();
      if (budgetHit !== undefined) return true;
    }
    const run = await runClientOnce(c, params, o.listener, settings, () => o.onWaiting?.({ id: c.id, index, run: runs, shrinking }));
    runs++;
    if (run.opened) {
      o.state.sessions++;
      o.state.encoding ??= run.encoding;
    } else if (shrinking) {
      // No client came back: stop shrinking, keep the failure found last.
      shrinkOver = true;
      return true;
    }
    // While shrinking, only the same verdict is the same failure (a smaller shape that hangs where the first failed is another story).
    if (FAILING.has(run.outcome.verdict) && (!lastFailure || run.outcome.verdict === lastFailure.outcome.verdict)) {
      failures.set(JSON.stringify(params), run);
      if (!lastFailure) shrinkStart = o.now();
      lastFailure = run;
      return false;
    }
    if (run.outcome.verdict === 'skip') skipped ??= run;
    else firstPass ??= run;
    return true;
  });
  const details = await fc.check(property, { seed: caseSeed(o.seed, c.id), numRuns: 1 + (c.extraRuns ?? 0), ...(c.example !== undefined ? { examples: [[c.example]] } : {}) });
  const base = { ...ruleOf(c), expectedFailure: expected, runs, durationMs: Math.max(0, o.now() - start) };
  if (details.failed && details.counterexample && lastFailure) {
    const params = details.counterexample[0];
    const found = failures.get(JSON.stringify(params)) ?? lastFailure;
    const { outcome, log } = found;
    return failureResult(base, outcome, describeRun(found), makeReproducer(c, { mode: 'client', seed: o.seed, encoding: found.encoding ?? 'xml', params, outcome, log }), log);
  }
  // An exception of our own (not a verdict about the client): a bug of the fuzzer, reported as such.
  if (details.failed) throw details.errorInstance ?? new Error(`case ${c.id}: the property run failed without a counterexample`);
  if (runs === 0) return { ...base, verdict: 'skip', detail: `not run: ${budgetHit ?? 'no run was possible'}`, unexpectedPass: false, wire: [] };
  if (!firstPass) {
    const shown = { ...base, verdict: 'skip' as const, detail: skipped ? describeRun(skipped) : '', unexpectedPass: false };
    return skipped ? withWire(shown, skipped.log) : { ...shown, wire: [] };
  }
  const detail = describeRun(firstPass) || `${runs} run${runs === 1 ? '' : 's'}`;
  return withWire({ ...base, verdict: 'pass', detail: expected ? `passed, but listed in --expect-fail (${detail})` : detail, unexpectedPass: expected }, firstPass.log);
}

export interface ClientReplayOptions extends Pick<ClientFuzzOptions, 'host' | 'port' | 'exec' | 'caseTimeoutMs' | 'timeoutMs' | 'auth' | 'clientName' | 'clientSecret' | 'onListening'> {}

/**
 * Plays a client-mode reproducer again: listens as `omadm fuzz client` does, and plays the
 * reproducer's case with its parameters to the next client that opens a session (started
 * by `exec`, if given). undefined when this omadm has no such case.
 */
export async function replayClient(reproducer: Reproducer, options: ClientReplayOptions): Promise<(ClientRun & { case: ClientCase }) | undefined> {
  const c = findClientCase(reproducer.case);
  if (c === undefined) return undefined;
  const listener = new ClientListener(listenOptions(options));
  const url = await listener.start();
  try {
    options.onListening?.(url);
    const run = await runClientOnce(c, reproducer.params, listener, { url, caseTimeoutMs: options.caseTimeoutMs ?? 30_000, ...(options.exec !== undefined ? { exec: options.exec } : {}) });
    return { ...run, case: c };
  } finally {
    await listener.stop();
  }
}

function ruleOf(c: ClientCase): Pick<CaseResult, 'id' | 'section' | 'pro' | 'level' | 'requirement' | 'kind' | 'title'> {
  return { id: c.id, section: c.section, ...(c.pro ? { pro: c.pro } : {}), level: c.level, requirement: c.requirement, kind: c.kind, title: c.title };
}
