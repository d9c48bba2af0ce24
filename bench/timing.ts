/**
 * Shared timing for the benches: warm up every case, then run them interleaved, round by
 * round, each for a fixed time budget, and keep the median rate over the rounds.
 *
 * Interleaving (case A, B, C, ... then again A, B, C, ...) spreads slow drifts of the
 * machine (frequency scaling, other load) over all cases alike instead of penalising
 * whichever case happened to run during a noisy second. The starting case rotates every
 * round so no case always runs first (just after a collection) or last.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

export interface BenchCase {
  /** Unique id within one run, e.g. `package1/decode`. */
  readonly id: string;
  /** One operation (one message decoded, encoded, parsed, ...). */
  readonly fn: () => unknown;
}

export interface TimingOptions {
  /** Rounds over all cases; the reported rate is the median of the rounds. */
  readonly rounds: number;
  /** Time budget of one case in one round, in milliseconds. */
  readonly budgetMs: number;
  /** Warm-up time of each case before the rounds, in milliseconds. */
  readonly warmupMs: number;
  /** Target duration of one timed batch (the clock is read once per batch), in milliseconds. */
  readonly batchMs?: number;
  /** Progress lines (the benches send them to stderr). */
  readonly log?: (line: string) => void;
}

export interface CaseStats {
  readonly id: string;
  /** Median operations per second over the rounds. */
  readonly opsPerSec: number;
  /** Operations per second of each round, in round order. */
  readonly rounds: readonly number[];
  /** (max - min) / median of the round rates, in percent. */
  readonly spreadPct: number;
  /** Operations per timed batch after calibration. */
  readonly batch: number;
}

/** Monotonic clock in nanoseconds. */
export function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Results land here so the engine cannot treat a call as dead code. */
let sink: unknown;
/** Read the sink (keeps it observable). */
export function sinkValue(): unknown {
  return sink;
}

/**
 * A full garbage collection between cases, so that one case's garbage is not collected on
 * the next case's clock. Uses the flag-at-runtime route because `npm run bench` starts
 * node without --expose-gc; falls back to nothing if that is refused.
 */
const collect: () => void = (() => {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return gc as () => void;
  } catch {
    // ignore: no forced collections
  }
  return () => {};
})();

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Runs `fn` `n` times; returns the elapsed nanoseconds. */
function batch(fn: () => unknown, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink = fn();
  return Number(process.hrtime.bigint() - t0);
}

/** Runs whole batches until `budgetNs` has elapsed; returns operations per second. */
function runFor(fn: () => unknown, n: number, budgetNs: number): number {
  let ops = 0;
  let elapsed = 0;
  do {
    elapsed += batch(fn, n);
    ops += n;
  } while (elapsed < budgetNs);
  return (ops * 1e9) / elapsed;
}

/**
 * Warms `fn` up for about `warmupNs` and returns a batch size whose run takes about
 * `batchNs` (at least one operation).
 */
function warmUpAndCalibrate(fn: () => unknown, warmupNs: number, batchNs: number): number {
  const start = nowNs();
  let n = 1;
  // Grow the batch until one batch is long enough to time well.
  for (;;) {
    const t = batch(fn, n);
    if (t >= batchNs / 4 || n >= 1 << 24) {
      n = Math.max(1, Math.round((n * batchNs) / Math.max(t, 1)));
      break;
    }
    n *= 2;
  }
  // Keep running for the rest of the warm-up, refining the estimate.
  let ops = 0;
  let spent = 0;
  while (Number(nowNs() - start) < warmupNs) {
    spent += batch(fn, n);
    ops += n;
  }
  if (ops > 0) n = Math.max(1, Math.round((ops * batchNs) / spent));
  return n;
}

/** Warms up and times all cases, interleaved; returns their stats by id. */
export function runInterleaved(cases: readonly BenchCase[], options: TimingOptions): Map<string, CaseStats> {
  const log = options.log ?? (() => {});
  const budgetNs = options.budgetMs * 1e6;
  const batchNs = (options.batchMs ?? Math.max(1, options.budgetMs / 50)) * 1e6;
  const sizes = new Map<string, number>();
  const rates = new Map<string, number[]>();

  for (const c of cases) {
    collect();
    sizes.set(c.id, warmUpAndCalibrate(c.fn, options.warmupMs * 1e6, batchNs));
    rates.set(c.id, []);
  }
  log(`warmed up ${cases.length} cases`);

  for (let r = 0; r < options.rounds; r++) {
    const roundStart = nowNs();
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length]!;
      collect();
      rates.get(c.id)!.push(runFor(c.fn, sizes.get(c.id)!, budgetNs));
    }
    log(`round ${r + 1}/${options.rounds} done in ${(Number(nowNs() - roundStart) / 1e9).toFixed(1)} s`);
  }

  const out = new Map<string, CaseStats>();
  for (const c of cases) {
    const rs = rates.get(c.id)!;
    const med = median(rs);
    out.set(c.id, {
      id: c.id,
      opsPerSec: med,
      rounds: rs,
      spreadPct: med > 0 ? ((Math.max(...rs) - Math.min(...rs)) / med) * 100 : 0,
      batch: sizes.get(c.id)!,
    });
  }
  return out;
}
