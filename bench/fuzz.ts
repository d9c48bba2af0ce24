/**
 * Fuzz cases per second against a DM server over 127.0.0.1, and the fuzzer's own cost per
 * case beside the server's (goal: the fuzzer is never the bottleneck, it can drive at
 * least twice the cases per second the server can take).
 *
 * Two servers, each in a child process (bench/fuzz-server.ts) so that its CPU time is its
 * own:
 *   own      our own server, as `omadm serve` runs it (startServerStack over SQLite): the
 *            server the goal is about, and the one test/fuzz/own-server.test.ts fuzzes
 *   fixture  the fuzzer's fixture server (ServerSession behind createDmServer, no store):
 *            the least a DM server can do per message, so the strictest ratio
 * Each round runs every server case once (`runFuzz`, the seed fixed per round) and reads
 * the CPU time both processes spent. Per case:
 *   cases/s                 wall clock
 *   fuzzer ms/case          this process's CPU (building, encoding, decoding, checking, HTTP client)
 *   server ms/case          the child's CPU (HTTP server, decoding, the server's work, encoding)
 *   headroom                server ms / fuzzer ms: how many such servers one fuzzer could drive
 *
 * Warm-up: both processes get cheaper per case for some twenty rounds (~2,500 messages)
 * while V8 compiles their hot paths, and the compiler's threads are CPU of the process
 * too; rounds measured before then say more about JIT warm-up than about either side.
 * So WARMUP_ROUNDS rounds run first (`--warmup-ms` scales them: 25 ms a round, at least 2).
 *
 *   npx tsx bench/fuzz.ts [--json] [--rounds=N] [--target=own|fixture]
 * It is also a bench suite (name, run, format) for bench/main.ts.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runFuzz } from '../src/fuzz/runner.js';

export const name = 'fuzz';

export type Target = 'own' | 'fixture';
export const TARGETS: readonly Target[] = ['own', 'fixture'];

/** Rounds before measuring, with the default --warmup-ms (500). */
export const WARMUP_ROUNDS = 20;

export interface TargetResult {
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly casesPerRound: number;
  readonly sessionsPerRound: number;
  readonly casesPerSec: number;
  readonly sessionsPerSec: number;
  readonly fuzzerMsPerCase: number;
  readonly serverMsPerCase: number;
  /** server CPU / fuzzer CPU per case (goal >= 2): the median of the rounds' ratios. */
  readonly headroom: number;
  /** The round least disturbed by other load: the most cases per second, the least CPU per case, the best ratio. */
  readonly best: { readonly casesPerSec: number; readonly fuzzerMsPerCase: number; readonly serverMsPerCase: number; readonly headroom: number };
}

export type FuzzBenchResult = Partial<Record<Target, TargetResult>>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Ctx {
  readonly rounds: number;
  readonly warmupMs?: number;
  readonly log: (line: string) => void;
}

async function runTarget(target: Target, ctx: Ctx): Promise<TargetResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fuzz-server.ts', import.meta.url)), `--target=${target}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`bench: the ${target} server exited`)));
    });
  try {
    const first = await next();
    const url = first.replace(/^url /, '');
    const serverCpu = async () => {
      const answer = next();
      child.stdin.write('cpu\n');
      return Number((await answer).replace(/^cpu /, '')) / 1000;
    };
    const peer = { url, encoding: 'xml' as const, devId: 'IMEI:000000000000000', auth: 'none' as const, timeoutMs: 10_000 };
    const warmupRounds = Math.max(2, Math.round((ctx.warmupMs ?? 500) / 25));
    for (let w = 0; w < warmupRounds; w++) await runFuzz({ peer, seed: 1000 + w });
    ctx.log(`fuzz ${target}: ${warmupRounds} warm-up rounds done`);
    const rows: { wall: number; fuzzer: number; server: number; cases: number; sessions: number }[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const s0 = await serverCpu();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const report = await runFuzz({ peer, seed: 1 + r });
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const server = (await serverCpu()) - s0;
      if (!report.summary.ok) throw new Error(`bench: the ${target} server failed cases: ${report.cases.filter((x) => x.verdict !== 'pass' && x.verdict !== 'skip').map((x) => x.id).join(', ')}`);
      const fuzzer = (c.user + c.system) / 1000;
      const n = report.cases.length;
      rows.push({ wall, fuzzer, server, cases: n, sessions: report.summary.sessions });
      ctx.log(`fuzz ${target} round ${r + 1}/${ctx.rounds}: ${n} cases, ${report.summary.sessions} sessions in ${wall.toFixed(0)} ms; CPU per case: fuzzer ${(fuzzer / n).toFixed(2)} ms, server ${(server / n).toFixed(2)} ms (${(server / fuzzer).toFixed(2)}x)`);
    }
    return {
      rounds: rows.length,
      warmupRounds,
      casesPerRound: rows[0]!.cases,
      sessionsPerRound: median(rows.map((x) => x.sessions)),
      casesPerSec: median(rows.map((x) => (x.cases * 1000) / x.wall)),
      sessionsPerSec: median(rows.map((x) => (x.sessions * 1000) / x.wall)),
      fuzzerMsPerCase: median(rows.map((x) => x.fuzzer / x.cases)),
      serverMsPerCase: median(rows.map((x) => x.server / x.cases)),
      headroom: median(rows.map((x) => x.server / x.fuzzer)),
      best: {
        casesPerSec: Math.max(...rows.map((x) => (x.cases * 1000) / x.wall)),
        fuzzerMsPerCase: Math.min(...rows.map((x) => x.fuzzer / x.cases)),
        serverMsPerCase: Math.min(...rows.map((x) => x.server / x.cases)),
        headroom: Math.max(...rows.map((x) => x.server / x.fuzzer)),
      },
    };
  } finally {
    child.stdin.end();
    await exited;
  }
}

export async function run(ctx: Ctx, targets: readonly Target[] = TARGETS): Promise<FuzzBenchResult> {
  const result: FuzzBenchResult = {};
  for (const t of targets) result[t] = await runTarget(t, ctx);
  return result;
}

export function format(result: FuzzBenchResult): string {
  const out: string[] = [];
  for (const t of TARGETS) {
    const r = result[t];
    if (!r) continue;
    out.push(
      `fuzz against the ${t === 'own' ? 'own server (omadm serve, SQLite)' : 'fixture server (ServerSession, no store)'}: ${r.casesPerRound} cases (${r.sessionsPerRound} sessions) per round, ${r.rounds} rounds after ${r.warmupRounds} warm-up, median (best round)`,
      `  cases/s            ${r.casesPerSec.toFixed(1)} (${r.best.casesPerSec.toFixed(1)})   (sessions/s ${r.sessionsPerSec.toFixed(1)})`,
      `  fuzzer CPU ms/case ${r.fuzzerMsPerCase.toFixed(2)} (${r.best.fuzzerMsPerCase.toFixed(2)})`,
      `  server CPU ms/case ${r.serverMsPerCase.toFixed(2)} (${r.best.serverMsPerCase.toFixed(2)})`,
      `  headroom           ${r.headroom.toFixed(2)}x (${r.best.headroom.toFixed(2)}x)   (server CPU / fuzzer CPU per case; goal >= 2)`,
    );
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
  const only = process.argv.find((a) => a.startsWith('--target='))?.slice(9);
  if (only !== undefined && !TARGETS.includes(only as Target)) throw new Error(`bench/fuzz.ts: --target must be one of ${TARGETS.join(', ')}`);
  const result = await run({ rounds, log: (l) => process.stderr.write(l + '\n') }, only ? [only as Target] : TARGETS);
  process.stdout.write(process.argv.includes('--json') ? JSON.stringify({ fuzz: result }, null, 2) + '\n' : format(result) + '\n');
}
