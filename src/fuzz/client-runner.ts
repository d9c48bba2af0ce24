/**
 * `omadm fuzz client`: the fuzzer is the DM server; each session a client opens is the
 * next case (the sanity case first: if it fails, nothing else runs). With `exec`, the
 * fuzzer starts the client itself, once per case, with the URL in $OMADM_URL, kills it
 * when the case's time is up, and records its exit code and signal: a client killed by a
 * signal is a crash. Client cases run once each (the client drives the session, so there
 * is nothing to shrink); the report is the same as `omadm fuzz server`'s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Outcome } from './case.js';
import { clientCases, type ClientCase } from './cases/client.js';
import { matchesAny } from './glob.js';
import { isCaseStop } from './peer/play.js';
import { ClientListener } from './peer/server-driver.js';
import { summarise, type CaseResult, type FuzzReport, type ProgressEvent } from './runner.js';
import { WireLog } from './wire.js';

export interface ClientFuzzOptions {
  readonly host: string;
  readonly port: number;
  /** A shell command starting the client under test, once per case ($OMADM_URL: where to connect). */
  readonly exec?: string;
  /** Time for one case, the client's start included. Default 30 s. */
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
  readonly now?: () => number;
  readonly onListening?: (url: string) => void;
  readonly onProgress?: (event: ProgressEvent) => void;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly killed: boolean;
}

function startClient(command: string, url: string, timeoutMs: number): { child: ChildProcess; exit: Promise<Exit>; kill: () => void } {
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
  return { child, exit, kill };
}

export async function runClientFuzz(options: ClientFuzzOptions): Promise<FuzzReport> {
  const now = options.now ?? Date.now;
  const begin = now();
  const deadline = options.maxTimeMs !== undefined ? begin + options.maxTimeMs : Infinity;
  const caseTimeout = options.caseTimeoutMs ?? 30_000;
  const listener = new ClientListener({
    host: options.host,
    port: options.port,
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    ...(options.clientName !== undefined ? { clientName: options.clientName } : {}),
    ...(options.clientSecret !== undefined ? { clientSecret: options.clientSecret } : {}),
  });
  const url = await listener.start();
  options.onListening?.(url);
  const selected = clientCases.filter((c) => c.kind === 'sanity' || ((options.cases === undefined || options.cases.length === 0 || matchesAny(c.id, options.cases)) && !matchesAny(c.id, options.exclude ?? [])));
  const results: CaseResult[] = [];
  let stopped: string | undefined;
  let sessions = 0;
  let encoding = 'xml';
  options.onProgress?.({ type: 'start', total: selected.length });
  try {
    for (const [index, c] of selected.entries()) {
      if (stopped === undefined && options.maxSessions !== undefined && sessions >= options.maxSessions) stopped = `--max-sessions ${options.maxSessions} reached`;
      if (stopped === undefined && now() >= deadline) stopped = `--max-time ${options.maxTimeMs} ms reached`;
      const expected = matchesAny(c.id, options.expectFail ?? []);
      if (stopped !== undefined) {
        results.push({ ...ruleOf(c), verdict: 'skip', detail: `not run: ${stopped}`, expectedFailure: expected, unexpectedPass: false, runs: 0, durationMs: 0, wire: [] });
        continue;
      }
      options.onProgress?.({ type: 'case', index, total: selected.length, id: c.id, title: c.title });
      const start = now();
      const log = new WireLog();
      const waiting = listener.nextSession(log, caseTimeout);
      const client = options.exec !== undefined ? startClient(options.exec, url, caseTimeout) : undefined;
      const conv = await Promise.race([waiting, ...(client ? [client.exit.then(() => waiting)] : [])]);
      let outcome: Outcome;
      if (!conv) outcome = { verdict: 'hang', detail: `no client opened a session within ${caseTimeout} ms` };
      else {
        sessions++;
        encoding = conv.encoding;
        try {
          outcome = await c.run(conv);
        } catch (e) {
          if (!isCaseStop(e)) throw e;
          outcome = e.outcome;
        }
        conv.close();
      }
      let exitNote = '';
      if (client) {
        const exit = await client.exit;
        exitNote = exit.killed ? `client killed after ${caseTimeout} ms` : exit.signal ? `client ended by ${exit.signal}` : `client exit code ${exit.code}`;
        if (exit.signal && !exit.killed) outcome = { verdict: 'crash', detail: `${exitNote}${outcome.verdict === 'fail' ? `; expected ${outcome.expected}; observed ${outcome.observed}` : ''}` };
      }
      const detail = (outcome.verdict === 'fail' ? `expected ${outcome.expected}; observed ${outcome.observed}` : (outcome.detail ?? '')) + (exitNote && !outcome.verdict.startsWith('crash') ? `${outcome.verdict === 'pass' && !outcome.detail ? '' : '; '}${exitNote}` : '');
      const result: CaseResult = {
        ...ruleOf(c),
        verdict: outcome.verdict,
        detail: outcome.verdict === 'pass' && expected ? `passed, but listed in --expect-fail (${detail})` : detail,
        ...(outcome.verdict === 'fail' ? { expected: outcome.expected, observed: outcome.observed } : {}),
        expectedFailure: expected,
        unexpectedPass: expected && outcome.verdict === 'pass',
        runs: 1,
        durationMs: Math.max(0, now() - start),
        wire: log.entries,
      };
      results.push(result);
      options.onProgress?.({ type: 'result', index, total: selected.length, result });
      if (c.kind === 'sanity' && outcome.verdict !== 'pass') stopped = `the sanity case ${c.id} did not pass: the client cannot play a plain DM session`;
    }
  } finally {
    await listener.stop();
  }
  return {
    peer: { url, encoding, devId: '(the client that connects)', auth: options.auth ?? 'none' },
    started: new Date(begin).toISOString(),
    seed: options.seed,
    cases: results,
    summary: summarise(results, sessions),
    ...(stopped !== undefined ? { stopped } : {}),
  };
}

function ruleOf(c: ClientCase): Pick<CaseResult, 'id' | 'section' | 'pro' | 'level' | 'requirement' | 'kind' | 'title'> {
  return { id: c.id, section: c.section, ...(c.pro ? { pro: c.pro } : {}), level: c.level, requirement: c.requirement, kind: c.kind, title: c.title };
}
