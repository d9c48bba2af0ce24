/**
 * Fuzz cases per second against a DM server over 127.0.0.1, and the fuzzer's own cost per
 * case beside the server's (goal: the fuzzer is never the bottleneck, it can drive at
 * least twice the cases per second the server can take).
 *
 * The server (bench/fuzz-server.ts: the fixture server, ServerSession behind
 * createDmServer) runs in a child process; each round runs every server case once
 * (`runFuzz`, the seed fixed) and reads the CPU time both processes spent. Per case:
 *   cases/s                 wall clock
 *   fuzzer ms/case          this process's CPU (building, encoding, decoding, checking, HTTP client)
 *   server ms/case          the child's CPU (HTTP server, decoding, ServerSession, encoding)
 *   headroom                server ms / fuzzer ms: how many such servers one fuzzer could drive
 *
 *   npx tsx bench/fuzz.ts [--json] [--rounds=N]
 * It is also a bench suite (name, run, format) for bench/main.ts.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runFuzz } from '../src/fuzz/runner.js';

export const name = 'fuzz';

export interface FuzzBenchResult {
  readonly rounds: number;
  readonly casesPerRound: number;
  readonly sessionsPerRound: number;
  readonly casesPerSec: number;
  readonly sessionsPerSec: number;
  readonly fuzzerMsPerCase: number;
  readonly serverMsPerCase: number;
  /** server CPU / fuzzer CPU per case (goal >= 2). */
  readonly headroom: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(ctx: { rounds: number; log: (line: string) => void }): Promise<FuzzBenchResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fuzz-server.ts', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  try {
    const first = await next();
    const url = first.replace(/^url /, '');
    const serverCpu = async () => {
      const answer = next();
      child.stdin.write('cpu\n');
      return Number((await answer).replace(/^cpu /, '')) / 1000;
    };
    const peer = { url, encoding: 'xml' as const, devId: 'IMEI:000000000000000', auth: 'none' as const, timeoutMs: 10_000 };
    await runFuzz({ peer, seed: 1 }); // warm-up
    const rows: { wall: number; fuzzer: number; server: number; cases: number; sessions: number }[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const s0 = await serverCpu();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const report = await runFuzz({ peer, seed: 1 + r });
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const server = (await serverCpu()) - s0;
      if (!report.summary.ok) throw new Error(`bench: the fixture server failed cases: ${report.cases.filter((x) => x.verdict !== 'pass' && x.verdict !== 'skip').map((x) => x.id).join(', ')}`);
      rows.push({ wall, fuzzer: (c.user + c.system) / 1000, server, cases: report.cases.length, sessions: report.summary.sessions });
      ctx.log(`fuzz round ${r + 1}/${ctx.rounds}: ${report.cases.length} cases, ${report.summary.sessions} sessions in ${wall.toFixed(0)} ms`);
    }
    const cases = rows[0]!.cases;
    const fuzzerMs = median(rows.map((x) => x.fuzzer / x.cases));
    const serverMs = median(rows.map((x) => x.server / x.cases));
    return {
      rounds: rows.length,
      casesPerRound: cases,
      sessionsPerRound: median(rows.map((x) => x.sessions)),
      casesPerSec: median(rows.map((x) => (x.cases * 1000) / x.wall)),
      sessionsPerSec: median(rows.map((x) => (x.sessions * 1000) / x.wall)),
      fuzzerMsPerCase: fuzzerMs,
      serverMsPerCase: serverMs,
      headroom: serverMs / fuzzerMs,
    };
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export function format(r: FuzzBenchResult): string {
  return [
    `fuzz: ${r.casesPerRound} cases (${r.sessionsPerRound} sessions) per round, ${r.rounds} rounds, median`,
    `  cases/s            ${r.casesPerSec.toFixed(1)}   (sessions/s ${r.sessionsPerSec.toFixed(1)})`,
    `  fuzzer CPU ms/case ${r.fuzzerMsPerCase.toFixed(2)}`,
    `  server CPU ms/case ${r.serverMsPerCase.toFixed(2)}`,
    `  headroom           ${r.headroom.toFixed(2)}x   (server CPU / fuzzer CPU per case; goal >= 2)`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
  const result = await run({ rounds, log: (l) => process.stderr.write(l + '\n') });
  process.stdout.write(process.argv.includes('--json') ? JSON.stringify({ fuzz: result }, null, 2) + '\n' : format(result) + '\n');
}
