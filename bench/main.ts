/**
 * Benchmarks: `npm run bench` prints tables, `npm run bench -- --json` prints one JSON
 * object `{ "<suite>": <result>, ... }` on stdout (progress always goes to stderr). npm itself
 * prints a `> omadm@... bench` banner on stdout first: use `npm run -s bench -- --json` (or
 * `npx tsx bench/main.ts --json`) when piping the JSON.
 *
 * Suites are modules exporting `name`, `run(ctx)` and optionally `format(result)`; add a
 * new one (WBXML, sessions, ...) to SUITES and it becomes a sibling top-level key.
 *
 * Options:
 *   --json             JSON on stdout instead of tables
 *   --suite=a,b        run only these suites
 *   --quick            short smoke run (3 rounds of 100 ms, 50 ms warm-up); numbers are rough
 *   --rounds=N         rounds per case (default 5)
 *   --budget-ms=N      time per case per round (default 500)
 *   --warmup-ms=N      warm-up per case (default 500)
 */
import type { BenchSuite, SuiteContext } from './suite.js';
import * as xmlCodec from './xml-codec.js';
import * as wbxmlCodec from './wbxml-codec.js';
import * as session from './session.js';
import * as xmlText from './xml-text.js';
import * as server from './server.js';
import * as fuzz from './fuzz.js';

const SUITES: readonly BenchSuite[] = [xmlCodec, wbxmlCodec, session, xmlText, server, fuzz];

interface Args {
  json: boolean;
  only: string[] | undefined;
  rounds: number;
  budgetMs: number;
  warmupMs: number;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: npm run bench -- [--json] [--suite=a,b] [--quick] [--rounds=N] [--budget-ms=N] [--warmup-ms=N]\nsuites: ${SUITES.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usage(`${flag} needs a positive number, got "${v}"`);
  return n;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { json: false, only: undefined, rounds: 5, budgetMs: 500, warmupMs: 500 };
  for (const arg of argv) {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--json':
        a.json = true;
        break;
      case '--quick':
        a.rounds = 3;
        a.budgetMs = 100;
        a.warmupMs = 50;
        break;
      case '--suite':
        if (!value) usage('--suite needs a name');
        a.only = value.split(',').filter(Boolean);
        break;
      case '--rounds':
        a.rounds = Math.round(positive(flag, value ?? ''));
        break;
      case '--budget-ms':
        a.budgetMs = positive(flag, value ?? '');
        break;
      case '--warmup-ms':
        a.warmupMs = positive(flag, value ?? '');
        break;
      case '--help':
      case '-h':
        usage('help');
      default:
        usage(`unknown argument "${arg}"`);
    }
  }
  if (a.only) {
    for (const n of a.only) if (!SUITES.some((s) => s.name === n)) usage(`unknown suite "${n}"`);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ctx: SuiteContext = {
    rounds: args.rounds,
    budgetMs: args.budgetMs,
    warmupMs: args.warmupMs,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  };
  const selected = SUITES.filter((s) => !args.only || args.only.includes(s.name));
  ctx.log(
    `node ${process.version}, ${selected.map((s) => s.name).join(', ')}: ${args.rounds} rounds x ${args.budgetMs} ms per case, ${args.warmupMs} ms warm-up`,
  );

  const results: Record<string, object> = {};
  const started = process.hrtime.bigint();
  for (const suite of selected) {
    const t0 = process.hrtime.bigint();
    const result = await suite.run(ctx);
    results[suite.name] = result;
    ctx.log(`${suite.name}: done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
    if (!args.json) {
      process.stdout.write((suite.format ? suite.format(result) : JSON.stringify(result, null, 2)) + '\n\n');
    }
  }
  ctx.log(`all suites done in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
  if (args.json) process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
