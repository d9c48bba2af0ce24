/** UTF-8 helpers shared by the codecs. */
import { Buffer, isAscii } from 'node:buffer';

const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * From this many bytes on, decodeUtf8 tries the ASCII fast path first. Below it,
 * TextDecoder is as fast or faster (the fast path has a fixed cost of its own).
 */
const ASCII_FAST_PATH_MIN = 4096;

/**
 * Decodes `bytes[start..]` as strict UTF-8. Returns the string, or the byte offset of
 * the first invalid sequence.
 */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string | number {
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  // Fast path for large ASCII input (base64 payloads, most messages): ASCII is valid
  // UTF-8 and reads the same as Latin-1, which Buffer decodes much faster than
  // TextDecoder does (about twice as fast from a few kB; for a megabyte, where Node
  // hands V8 an external string, some fifty times as fast). isAscii is a SIMD scan.
  if (view.length >= ASCII_FAST_PATH_MIN && isAscii(view)) {
    return Buffer.from(view.buffer, view.byteOffset, view.length).toString('latin1');
  }
  try {
    return fatalDecoder.decode(view);
  } catch {
    return start + firstInvalidUtf8(view);
  }
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return b.length;
}

/** Number of UTF-8 bytes of `s.slice(0, end)`. */
export function utf8ByteLength(s: string, end = s.length): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const encoder = new TextEncoder();

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Is `cp` a code point XML 1.0 allows in a document (its Char production)? */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
