/**
 * STR_T references into the string table read what the bytes from the referenced offset to
 * the next NUL say, however many references point into one string and in whatever order
 * (the reader slices a string decoded once, see WbxmlReader.tableString): checked against a
 * model that decodes each reference on its own, for tables of ASCII, non-ASCII, invalid
 * UTF-8 and control bytes, references at any offset (inside a UTF-8 sequence too), with the
 * same error where the model has one. The work this takes is in decode-work.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeWbxml, isDecodeError } from '../../src/index.js';

const enc = new TextEncoder();
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const INVALID = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

const STR_I = (s: string): number[] => [0x03, ...enc.encode(s), 0x00];
const SYNC_HDR = [0x6c, [0x71, STR_I('1.2'), 0x01], [0x72, STR_I('DM/1.2'), 0x01], [0x65, STR_I('1'), 0x01], [0x5b, STR_I('1'), 0x01], [0x6e, 0x57, STR_I('t'), 0x01, 0x01], [0x67, 0x57, STR_I('s'), 0x01, 0x01], 0x01].flat(2);
function mb(v: number): number[] {
  const out = [v & 0x7f];
  for (v >>>= 7; v > 0; v >>>= 7) out.unshift(0x80 | (v & 0x7f));
  return out;
}
/** A message whose Alert has one Item per reference, its Data the referenced string. */
function message(table: readonly number[], refs: readonly number[]): Uint8Array {
  const items = refs.flatMap((k) => [0x54, 0x4f, 0x83, ...mb(k), 0x01, 0x01]);
  return Uint8Array.from([0x03, 0xa4, 0x01, 0x6a, ...mb(table.length), ...table, 0x6d, ...SYNC_HDR, 0x6b, 0x46, 0x4b, ...STR_I('1'), 0x01, 0x4f, ...STR_I('1201'), 0x01, ...items, 0x01, 0x01, 0x01]);
}

/** What each reference reads, decoded on its own; or the reason of the first one that fails. */
function model(table: readonly number[], refs: readonly number[]): string[] | RegExp {
  const out: string[] = [];
  for (const k of refs) {
    const e = table.indexOf(0, k);
    if (e < 0) return new RegExp(`^string at table offset ${k} has no terminating NUL$`);
    let text: string;
    try {
      text = fatal.decode(Uint8Array.from(table.slice(k, e)));
    } catch {
      return new RegExp(`^string at table offset ${k} is not valid UTF-8$`);
    }
    const bad = INVALID.exec(text);
    if (bad) return new RegExp(`^character U\\+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in text$`);
    out.push(text);
  }
  return out;
}

function decoded(bytes: Uint8Array): string[] | string {
  try {
    const alert = decodeWbxml(bytes, { limits: { maxTextLength: 1 << 20 } }).syncBody.commands[0]!;
    return alert.kind === 'Alert' ? alert.items.map((i) => i.data ?? '') : [];
  } catch (e) {
    if (isDecodeError(e)) return e.reason;
    throw e;
  }
}

/** Table pieces: ASCII runs, non-ASCII characters, NULs, a control byte, a stray continuation or lead byte. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...['abcdefgh', 'xy', 'a'.repeat(40), 'é', '€€', '😀', 'zé'].map((s) => [...enc.encode(s)])) },
  { weight: 3, arbitrary: fc.constant([0x00]) },
  { weight: 1, arbitrary: fc.constantFrom([0x01], [0x80], [0xe2, 0x82], [0xff]) },
);
const table = fc.array(piece, { minLength: 1, maxLength: 30 }).map((ps) => [...ps.flat(), 0x00]);

describe('STR_T references read what a decode of each on its own reads', () => {
  it('any table, references to any offsets in any order, repeated ones too', () => {
    fc.assert(
      fc.property(
        table.chain((t) => fc.tuple(fc.constant(t), fc.array(fc.nat({ max: t.length - 1 }), { minLength: 1, maxLength: 40 }))),
        ([t, refs]) => {
          const want = model(t, refs);
          const got = decoded(message(t, refs));
          if (want instanceof RegExp) expect(got).toMatch(want);
          else expect(got).toEqual(want);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every offset of one long string, upwards, downwards and from the middle out', () => {
    const t = [...enc.encode('ab€'.repeat(300) + 'z'.repeat(100)), 0x00, ...enc.encode('tail'), 0x00];
    const starts = Array.from({ length: t.length - 1 }, (_, k) => k).filter((k) => t[k] !== 0 && (t[k]! & 0xc0) !== 0x80);
    const mid = starts.length >> 1;
    const orders = [starts, [...starts].reverse(), starts.map((_, i) => starts[i % 2 ? mid + ((i + 1) >> 1) : mid - (i >> 1)]!).filter((k) => k !== undefined)];
    for (const refs of orders) expect(decoded(message(t, refs))).toEqual(model(t, refs));
  });
});
