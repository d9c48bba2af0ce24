/** What a bench suite is: bench/main.ts runs a registry of these. */

export interface SuiteContext {
  /** Rounds over all cases of the suite (median taken over them). */
  readonly rounds: number;
  /** Time budget of one case in one round, in milliseconds. */
  readonly budgetMs: number;
  /** Warm-up time of each case, in milliseconds. */
  readonly warmupMs: number;
  /** Progress output; goes to stderr so that `--json` keeps stdout clean. */
  readonly log: (line: string) => void;
}

export interface BenchSuite<R extends object = object> {
  /** Top-level key of the suite's result in the `--json` output, e.g. `xml`. */
  readonly name: string;
  /** Runs the suite and returns its JSON-serialisable result. */
  run(ctx: SuiteContext): Promise<R>;
  /** Human-readable report of a result (the default output). */
  format?(result: R): string;
}

/** Operations per second (median of the rounds) and throughput. */
export interface Rate {
  readonly msgPerSec: number;
  /** Megabytes (10^6 bytes) per second of the bytes the case reads or writes. */
  readonly mbPerSec: number;
  /** Fastest round's operations per second (least disturbed by other load on the machine). */
  readonly bestMsgPerSec: number;
  /** (max - min) / median of the per-round rates, in percent. */
  readonly spreadPct: number;
}

export function rate(opsPerSec: number, bytesPerOp: number, bestOpsPerSec: number, spreadPct: number): Rate {
  return { msgPerSec: opsPerSec, mbPerSec: (opsPerSec * bytesPerOp) / 1e6, bestMsgPerSec: bestOpsPerSec, spreadPct };
}
