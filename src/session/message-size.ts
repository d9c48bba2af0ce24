/**
 * Sizes for packing: the encodings a session speaks, and what Data text costs in each,
 * character by character (to cut a large object at the largest chunk that fits without
 * encoding the rest). Whole commands are measured by writing them (message-assembler).
 */
import { escapedCodePointBytes } from '../runtime/xml-writer.js';

export type Encoding = 'xml' | 'wbxml';

/**
 * Bytes a piece of Data text costs inside an element: XML escapes `<`, `>`, `&` and CR;
 * WBXML carries UTF-8 inline.
 */
export function dataCost(encoding: Encoding, codePoint: number): number {
  if (encoding === 'xml') return escapedCodePointBytes(codePoint); // (the XML writer knows what escaping costs)
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}
