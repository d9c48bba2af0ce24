/** Bounds that keep decoding of hostile input finite and small. */
export interface DecodeLimits {
  /** Largest accepted input, in bytes. */
  readonly maxBytes: number;
  /** Deepest element nesting (the root is depth 1). */
  readonly maxDepth: number;
  /** Most elements in one message. */
  readonly maxElements: number;
  /** Longest text content of one element, in characters (after entity decoding). */
  readonly maxTextLength: number;
}

export const defaultDecodeLimits: DecodeLimits = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxDepth: 48,
  maxElements: 1_000_000,
  maxTextLength: 16 * 1024 * 1024,
});

/**
 * The deepest nesting any caller may ask for: the generated decoder recurses once per
 * level, and a few hundred levels are far beyond any real message while far below what
 * the JavaScript stack holds.
 */
export const MAX_DEPTH_CEILING = 256;

export function resolveLimits(partial: Partial<DecodeLimits> | undefined): DecodeLimits {
  if (partial === undefined) return defaultDecodeLimits;
  const limits = { ...defaultDecodeLimits, ...partial };
  return { ...limits, maxDepth: Math.min(limits.maxDepth, MAX_DEPTH_CEILING) };
}
