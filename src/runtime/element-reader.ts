import type { LenientSlip } from './lenient.js';

/**
 * What the generated decoder needs from a reader: the next child element's name, the
 * text of a text-only element, the check of an EMPTY one, and typed failures. The XML
 * reader and the WBXML reader both provide it, so one generated decoder reads both
 * encodings and a message decodes to the same value from either.
 */
export interface ElementReader {
  /** Refuse elements outside the OMA DM profile. */
  dmOnly: boolean;
  /**
   * The next child of the current element: its name after its start is read, or null
   * after the current element's end. `vocab` is the vocabulary the child must belong to.
   */
  nextChild(vocab: number): string | null;
  /** Content of a text-only element up to its end; with `inlineMarkup`, embedded markup is kept as XML text. */
  readText(inlineMarkup?: boolean): string;
  /**
   * The element just opened is the `index`-th (from 1) of its name among its siblings:
   * called for repeatable elements, so that error paths name it (`Item[2]`).
   */
  nth(index: number): void;
  /** Content of an EMPTY element (nothing) up to its end. */
  readEmpty(): void;
  unexpected(name: string, vocabulary: number, parent: string, allowed: readonly string[], earlier: readonly string[]): never;
  duplicate(name: string, parent: string): never;
  missing(what: string, parent: string, found: string | null): never;
  outsideProfile(name: string, parent: string, why: string): never;
}

/**
 * A reader in lenient mode, for the generated lenient decoder: it records each slip the
 * decoder recovers from as a DecodeWarning, at the reader's current place.
 */
export interface LenientElementReader extends ElementReader {
  /** A slip at the child element just opened (its path, the offset of its start tag). */
  slip(kind: LenientSlip, message: string): void;
  /** A slip at the element just closed (its path, the offset of what closed it). */
  slipClosed(kind: LenientSlip, message: string): void;
}
