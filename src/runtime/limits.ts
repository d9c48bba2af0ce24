/** Bounds that keep decoding of hostile input finite and small. */
import { ArgumentError } from './errors.js';

export interface DecodeLimits {
  /** Largest accepted input, in bytes (a string input is measured by its UTF-8 length). */
  readonly maxBytes: number;
  /** Deepest element nesting (the root is depth 1). At most MAX_DEPTH_CEILING. */
  readonly maxDepth: number;
  /** Most elements in one message. */
  readonly maxElements: number;
  /** Longest text content of one element, in characters (UTF-16 units, after entity decoding). */
  readonly maxTextLength: number;
  /** Most attributes on one start tag (XML; namespace declarations count). */
  readonly maxAttributes: number;
  /** Most namespace declarations in scope at once, on the open elements (XML). */
  readonly maxNamespaceDeclarations: number;
}

export const defaultDecodeLimits: DecodeLimits = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxDepth: 48,
  maxElements: 1_000_000,
  maxTextLength: 16 * 1024 * 1024,
  maxAttributes: 64,
  maxNamespaceDeclarations: 256,
});

/**
 * The deepest nesting any caller may ask for: the generated decoder recurses once per
 * level, and a few hundred levels are far beyond any real message while far below what
 * the JavaScript stack holds.
 */
export const MAX_DEPTH_CEILING = 256;

/** The smallest value of each limit: a message needs its root, in at least one byte; the others may be 0 (none allowed). */
const MINIMUM: { readonly [K in keyof DecodeLimits]: number } = {
  maxBytes: 1,
  maxDepth: 1,
  maxElements: 1,
  maxTextLength: 0,
  maxAttributes: 0,
  maxNamespaceDeclarations: 0,
};

/**
 * The limits to decode with: the defaults, with the ones `partial` gives. A limit that is
 * absent or undefined is the default; any other must be an integer at or above its
 * minimum (a safe integer: Infinity does not turn a limit off), else ArgumentError at the
 * call. maxDepth is capped at MAX_DEPTH_CEILING.
 */
export function resolveLimits(partial: Partial<DecodeLimits> | undefined): DecodeLimits {
  if (partial === undefined || partial === null) return defaultDecodeLimits;
  if (typeof partial !== 'object') throw new ArgumentError('options.limits', `must be an object, got ${describe(partial)}`);
  let limits: { -readonly [K in keyof DecodeLimits]: number } | undefined;
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(MINIMUM, key)) {
      throw new ArgumentError(`options.limits.${key}`, `is not a limit (known: ${Object.keys(MINIMUM).join(', ')})`);
    }
    const k = key as keyof DecodeLimits;
    const v: unknown = partial[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < MINIMUM[k]) {
      throw new ArgumentError(`options.limits.${k}`, `must be an integer of at least ${MINIMUM[k]}, got ${describe(v)}`);
    }
    (limits ??= { ...defaultDecodeLimits })[k] = k === 'maxDepth' ? Math.min(v, MAX_DEPTH_CEILING) : v;
  }
  return limits ?? defaultDecodeLimits;
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v);
  return typeof v;
}
