/**
 * What a fuzz case is, h2spec style: one rule of the DM protocol (its section, its
 * Appendix B id where there is one, its MUST/SHOULD/MAY level and the sentence quoted from
 * the spec), and a session played against the peer that checks it.
 *
 * A case's session is a function of its parameters: `params` is a fast-check arbitrary
 * (fc.constant for a case with one shape), so the runner can explore shapes and shrink a
 * failure to the smallest one; the same parameters always send the same messages, which
 * is what a reproducer file keeps.
 */
import type fc from 'fast-check';
import type { PeerSession } from './peer/client-driver.js';

/** sanity first (a plain session), conformance (valid sessions, one rule each), robustness (nearly valid and hostile input). */
export type CaseKind = 'sanity' | 'conformance' | 'robustness';

export type Level = 'MUST' | 'SHOULD' | 'MAY';

export type Verdict = 'pass' | 'fail' | 'skip' | 'crash' | 'hang';

export interface Rule {
  /** `dm-1.3/<section>/<n>` */
  readonly id: string;
  /** The section of OMA-TS-DM_Protocol-V1_3 (`7.2`). */
  readonly section: string;
  /** The Appendix B requirement it checks, when there is one (`DM-PRO-Mul-S-001`). */
  readonly pro?: string;
  readonly level: Level;
  /** The requirement sentence, quoted exactly from the spec. */
  readonly requirement: string;
}

/** What a run of a case found: pass, or why not. */
export type Outcome =
  | { readonly verdict: 'pass'; readonly detail?: string }
  | { readonly verdict: 'skip'; readonly detail: string }
  | { readonly verdict: 'fail'; readonly expected: string; readonly observed: string }
  | { readonly verdict: 'crash' | 'hang'; readonly detail: string };

/** What a case is given to play its session(s) with. */
export interface CaseContext {
  /** Opens a new DM session with the peer (counted against --max-sessions). */
  session(): PeerSession;
  /** Whether the peer is configured to require authentication (an --auth other than none). */
  readonly authenticates: boolean;
  /** Whether the server's own credentials are checked (a --server-auth other than none). */
  readonly checksServer: boolean;
  readonly encoding: 'xml' | 'wbxml';
}

export interface FuzzCase<P = unknown> extends Rule {
  readonly kind: CaseKind;
  /** What the case does, in a line (the table and the reports show it). */
  readonly title: string;
  /** The shapes of the session; JSON-serialisable values only (they go into reproducers). */
  readonly params: fc.Arbitrary<P>;
  /** Runs beside the first (more shapes, more chances to fail); default 0. Bounded by the budget. */
  readonly extraRuns?: number;
  run(ctx: CaseContext, params: P): Promise<Outcome>;
}

export const pass = (detail?: string): Outcome => (detail === undefined ? { verdict: 'pass' } : { verdict: 'pass', detail });
export const skip = (detail: string): Outcome => ({ verdict: 'skip', detail });
export const fail = (expected: string, observed: string): Outcome => ({ verdict: 'fail', expected, observed });

/** Declares a case (keeps its parameter type). */
export function defineCase<P>(c: FuzzCase<P>): FuzzCase<unknown> {
  return c as unknown as FuzzCase<unknown>;
}
