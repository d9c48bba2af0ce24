/**
 * Typed errors of the codec layer. Every failure to read or write a message is one of
 * these, never a string or a bare Error: callers tell them apart with the guards.
 */

/** Where in a text input a problem is: 1-based line, and column in characters (UTF-16 units) from 1. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** A message could not be decoded: where (element path, byte offset, and for XML line and column) and why. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Line of the problem in XML input (line ends as XML counts them: LF, CR LF, CR); undefined for WBXML. */
  readonly line: number | undefined;
  /** Column of the problem in XML input; undefined for WBXML. */
  readonly column: number | undefined;
  constructor(
    /** Human-readable reason, without the location. */
    readonly reason: string,
    /**
     * Element path from the root, an XPath-like step per element: repeatable elements
     * carry their 1-based position among same-named siblings, e.g.
     * `/SyncML/SyncBody/Replace[2]/Item[1]/Meta`.
     */
    readonly path: string,
    /** Byte offset into the input where the problem was found. */
    readonly offset: number,
    position?: TextPosition,
  ) {
    super(`${path || '/'}: ${reason}${position ? ` at line ${position.line}, column ${position.column}` : ''} (offset ${offset})`);
    this.line = position?.line;
    this.column = position?.column;
  }
}

/** A typed value could not be written: the value breaks the content model or holds
 * characters the encoding cannot carry. */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  constructor(
    readonly reason: string,
    /**
     * Element path of the offending field, as DecodeError's for its XML twin: a step per
     * element, repeatable ones with their 1-based position among same-named siblings, e.g.
     * `/SyncML/SyncBody/Replace[2]/Item[1]/Data`.
     */
    readonly path: string,
  ) {
    super(`${path || '/'}: ${reason}`);
  }
}

/**
 * A codec was called with something it does not take: an input that is neither bytes nor
 * (for XML) a string, or a limit that is not a usable number. The caller's mistake, found
 * at the call, before anything is read.
 */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
  constructor(
    /** The argument, e.g. `input` or `options.limits.maxDepth`. */
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument} ${reason}`);
  }
}

/** One problem found in an untyped value (JSON) that should be a typed message. */
export interface ValueIssue {
  readonly path: string;
  readonly reason: string;
}

/** An untyped value (JSON) is not a valid typed message. */
export class ValueError extends Error {
  override readonly name = 'ValueError';
  constructor(readonly issues: readonly ValueIssue[]) {
    super(issues.map((i) => `${i.path || '/'}: ${i.reason}`).join('\n'));
  }
}

export function isDecodeError(e: unknown): e is DecodeError {
  return e instanceof Error && e.name === 'DecodeError';
}

export function isEncodeError(e: unknown): e is EncodeError {
  return e instanceof Error && e.name === 'EncodeError';
}

export function isArgumentError(e: unknown): e is ArgumentError {
  return e instanceof Error && e.name === 'ArgumentError';
}

export function isValueError(e: unknown): e is ValueError {
  return e instanceof Error && e.name === 'ValueError';
}

/**
 * A slip a lenient decoder recovered from (see the `lenient` decode option): what it was,
 * and where, in the style of DecodeError. A strict decoder refuses the same input with a
 * DecodeError.
 */
export interface DecodeWarning {
  /** Stable kebab-case name of the slip, e.g. `child-order` (see LENIENT_SLIPS for the list). */
  readonly kind: string;
  /** Human-readable account of what was read and how it was taken. */
  readonly message: string;
  /** Element path, as DecodeError's (`/SyncML/SyncBody/Status[1]/TargetRef[1]`); `` for the header of the document. */
  readonly path: string;
  /** Byte offset into the input. */
  readonly offset: number;
}
