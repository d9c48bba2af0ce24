/**
 * A failure kept as a file: the case, its (shrunk) parameters, the seed, and for a person
 * the messages that were sent and received. `omadm fuzz replay FILE URL` runs the case
 * again with the same parameters, which send the same messages (the SessionIDs aside).
 * No secret is ever in it: the peer's credentials come from the command line again.
 *
 * Two modes, as `omadm fuzz` has: a server-mode reproducer (the fuzzer played the client)
 * holds the client messages that made the server fail; a client-mode one (`mode: client`,
 * the fuzzer played the server) holds the server messages that made the client fail and,
 * in `expected`, what the client should have done: `omadm fuzz replay FILE --listen
 * [HOST:]PORT [--exec CMD]` plays them to the client again. A file without `mode` is a
 * server-mode one (the files written before client mode kept reproducers).
 */
import type { Outcome, Rule } from './case.js';
import type { WireEntry, WireLog } from './wire.js';

export const REPRODUCER_FORMAT = 'omadm-fuzz-reproducer';

export type ReproducerMode = 'server' | 'client';

export interface Reproducer {
  readonly format: typeof REPRODUCER_FORMAT;
  readonly version: 1;
  /** Which side was under test: `server` (omadm fuzz server) or `client` (omadm fuzz client). */
  readonly mode: ReproducerMode;
  readonly case: string;
  readonly section: string;
  readonly level: string;
  readonly requirement: string;
  readonly seed: number;
  /** The encoding of the failing run (in client mode, the one the client chose). */
  readonly encoding: 'xml' | 'wbxml';
  /** The case's parameters, as the shrinking left them. */
  readonly params: unknown;
  readonly verdict: string;
  readonly expected?: string;
  readonly observed?: string;
  readonly detail?: string;
  /** The wire log of the failing run, for reading ('sent' is the fuzzer's side: in client mode, the server's messages). */
  readonly messages: readonly WireEntry[];
}

export class ReproducerError extends Error {
  override readonly name = 'ReproducerError';
}

export function makeReproducer(c: Rule, run: { seed: number; encoding: 'xml' | 'wbxml'; params: unknown; outcome: Outcome; log: WireLog; mode?: ReproducerMode }): Reproducer {
  const o = run.outcome;
  return {
    format: REPRODUCER_FORMAT,
    version: 1,
    mode: run.mode ?? 'server',
    case: c.id,
    section: c.section,
    level: c.level,
    requirement: c.requirement,
    seed: run.seed,
    encoding: run.encoding,
    params: run.params ?? null,
    verdict: o.verdict,
    ...(o.verdict === 'fail' ? { expected: o.expected, observed: o.observed } : 'detail' in o && o.detail !== undefined ? { detail: o.detail } : {}),
    messages: run.log.entries,
  };
}

/** Reads a reproducer file's text; ReproducerError when it is not one. */
export function parseReproducer(text: string): Reproducer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ReproducerError(`not JSON: ${(e as Error).message}`);
  }
  const r = value as Partial<Reproducer> | null;
  if (r === null || typeof r !== 'object' || r.format !== REPRODUCER_FORMAT) throw new ReproducerError(`not an ${REPRODUCER_FORMAT} file`);
  if (r.version !== 1) throw new ReproducerError(`reproducer version ${String(r.version)} is not 1`);
  if (typeof r.case !== 'string') throw new ReproducerError('the reproducer names no case');
  const mode: unknown = r.mode ?? 'server';
  if (mode !== 'server' && mode !== 'client') throw new ReproducerError(`reproducer mode ${JSON.stringify(mode)} is neither server nor client`);
  if (r.encoding !== 'xml' && r.encoding !== 'wbxml') throw new ReproducerError('the reproducer names no encoding (xml or wbxml)');
  if (typeof r.seed !== 'number') throw new ReproducerError('the reproducer has no seed');
  return { ...(r as Reproducer), mode };
}

/** A file name for a case's reproducer: `dm-1.3_8_2.json`. */
export function reproducerFileName(id: string): string {
  return `${id.replace(/[^A-Za-z0-9.-]+/g, '_')}.json`;
}

export function isReproducerError(e: unknown): e is ReproducerError {
  return e instanceof Error && e.name === 'ReproducerError';
}
