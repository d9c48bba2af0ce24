/**
 * Pieces the generated XML encoders share: escaping of character data, with a check
 * that every character can travel in XML 1.0 as UTF-8.
 */
import { EncodeError } from './errors.js';

/** Characters that need escaping, that XML cannot carry, or that take more than one byte in UTF-8. */
const NOT_PLAIN = /[^\t\n\x20-\x25\x27-\x3B=\x3F-\x7F]/;

/**
 * Where an XML encoder counts, as it writes, the UTF-8 bytes of its text over its UTF-16
 * code units. The encoders write every character of a message through escapeText except
 * ASCII markup, so the UTF-8 size of what they wrote is its `length` plus `surplus`: the
 * packer measures commands this way, without scanning them again.
 */
export interface Utf8Surplus {
  surplus: number;
}

/** The text XML writes for a character that needs escaping in character data, by its code. */
const ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x3c, '&lt;'],
  [0x3e, '&gt;'],
  [0x26, '&amp;'],
  [0x0d, '&#13;'], // (a raw CR would be read back as LF)
]);

/**
 * UTF-8 bytes that escapeText writes for one code point of character data (a character XML
 * cannot carry is counted as if written; escapeText refuses it). The one place that knows
 * what escaping costs: the packer cuts large objects by it.
 */
export function escapedCodePointBytes(codePoint: number): number {
  if (codePoint === 0x3c || codePoint === 0x3e || codePoint === 0x26 || codePoint === 0x0d) return ESCAPES.get(codePoint)!.length;
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** Escapes text content, adding its UTF-8 surplus to `count`. An unencodable character
 * throws an EncodeError without a path (nothing counted); the encoder entry point locates
 * it with the generated encode checks. */
export function escapeText(v: string, count: Utf8Surplus): string {
  // (test() would read a number, undefined or an object as its String(): refused instead.)
  if (typeof v !== 'string') throw new EncodeError(`text must be a string, not ${typeof v}`, '');
  if (!NOT_PLAIN.test(v)) return v;
  let out = '';
  let last = 0;
  let surplus = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) {
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = v.charCodeAt(i + 1);
        if (!(d >= 0xdc00 && d <= 0xdfff)) throw new EncodeError(`lone surrogate U+${hex4(c)} in text`, "");
        surplus += 2; // 4 bytes for 2 code units
        i++;
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        throw new EncodeError(`lone surrogate U+${hex4(c)} in text`, "");
      } else if (c === 0xfffe || c === 0xffff) {
        throw new EncodeError(`non-character U+${hex4(c)} cannot be written in XML`, "");
      } else {
        surplus += c >= 0x800 ? 2 : 1;
      }
      continue;
    }
    const rep = c === 60 || c === 62 || c === 38 || c === 13 ? ESCAPES.get(c) : undefined;
    if (rep === undefined && c < 0x20 && c !== 9 && c !== 10) {
      throw new EncodeError(`control character U+${hex4(c)} cannot be written in XML`, "");
    }
    if (rep !== undefined) {
      out += v.slice(last, i) + rep;
      last = i + 1;
    }
  }
  count.surplus += surplus;
  return last === 0 ? v : out + v.slice(last);
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}
