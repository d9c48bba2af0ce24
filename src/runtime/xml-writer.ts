/**
 * Pieces the generated XML encoders share: escaping of character data, with a check
 * that every character can travel in XML 1.0 as UTF-8.
 */
import { EncodeError } from './errors.js';

/** Characters that need escaping, that XML cannot carry, or that take more than one byte in UTF-8. */
const NOT_PLAIN = /[^\t\n\x20-\x25\x27-\x3B=\x3F-\x7F]/;

/**
 * UTF-8 bytes over UTF-16 code units in all the text escapeText returned so far. The
 * encoders write every character of a message through escapeText except ASCII markup,
 * so the UTF-8 size of an encoded piece is its `length` plus the growth of `surplus`
 * while it was encoded (the packer measures commands this way, without scanning them
 * again). Single-threaded and synchronous: nothing runs between the two readings. An
 * object rather than a function, so that a reader holds it and reads a property.
 */
export const xmlUtf8Count = { surplus: 0 };

/** Escapes text content. An unencodable character throws an EncodeError without a path;
 * the encoder entry point locates it with the generated value checks. */
export function escapeText(v: string): string {
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
    let rep: string | undefined;
    if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 38) rep = '&amp;';
    else if (c === 13) rep = '&#13;';
    else if (c < 0x20 && c !== 9 && c !== 10) {
      throw new EncodeError(`control character U+${hex4(c)} cannot be written in XML`, "");
    }
    if (rep !== undefined) {
      out += v.slice(last, i) + rep;
      last = i + 1;
    }
  }
  xmlUtf8Count.surplus += surplus;
  return last === 0 ? v : out + v.slice(last);
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}
