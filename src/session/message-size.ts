/**
 * Sizes for packing: the encodings a session speaks, and what Data text costs in each,
 * character by character (to cut a large object at the largest chunk that fits without
 * encoding the rest). Whole commands are measured by writing them (message-assembler).
 */
export type Encoding = 'xml' | 'wbxml';

/**
 * Bytes a piece of Data text costs inside an element: XML escapes `<`, `>`, `&` and CR;
 * WBXML carries UTF-8 inline.
 */
export function dataCost(encoding: Encoding, codePoint: number): number {
  const utf8 = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  if (encoding === 'wbxml') return utf8;
  if (codePoint === 0x3c || codePoint === 0x3e) return 4; // &lt; &gt;
  if (codePoint === 0x26 || codePoint === 0x0d) return 5; // &amp; &#13;
  return utf8;
}
