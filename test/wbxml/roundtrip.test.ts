/**
 * Properties of the WBXML encoder for arbitrary messages of both profiles: the round trip
 * through decodeWbxml for every option combination, wbxmlSize without building the bytes,
 * the choice of the string table by 'auto', agreement with the XML codec, and the
 * per-command sizes (the size written by writeSyncBodyCommandWbxml) adding up to the inline encoding.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EncodeError,
  decodeWbxml,
  decodeXml,
  encodeWbxml,
  encodeXmlString,
  wbxmlGrammar,
  wbxmlSize,
  writeSyncBodyCommandWbxml,
  WBXML,
  type SyncBodyCommand,
  type SyncML,
  type WbxmlEncodeOptions,
} from '../../src/index.js';
import { messageArbitrary } from '../../generated/arbitraries.js';
import { SizeSink, mbUint32Length } from '../../src/runtime/wbxml-writer.js';

/** Bytes one command takes inline when written after code page `page`, and the page in force after it. */
function commandSize(command: SyncBodyCommand, page: number): { size: number; page: number } {
  const sizer = new SizeSink(WBXML, undefined, page);
  writeSyncBodyCommandWbxml(command, sizer);
  return { size: sizer.size, page: sizer.currentPage };
}

type Profile = 'syncml' | 'dm';
const RUNS = 200;

/** fast-check makes null-prototype records; the decoders make plain objects. */
const plain = (m: SyncML): SyncML => structuredClone(m);

const withProfile = fc.constantFrom<Profile>('syncml', 'dm').chain((profile) => messageArbitrary({ profile }).map((m) => ({ profile, m: plain(m) })));

const stringModes = [undefined, 'auto', 'inline', 'table'] as const;
const publicIds = [undefined, 'id', 'fpi'] as const;
const allOptions: WbxmlEncodeOptions[] = stringModes.flatMap((strings) =>
  publicIds.map((publicId) => ({ ...(strings && { strings }), ...(publicId && { publicId }) })),
);

const FPI = '-//SYNCML//DTD SyncML 1.2//EN';
const utf8 = new TextEncoder();

/** The string table of an encoding (WBXML 1.3, UTF-8, our header): its strings by offset. */
function stringTable(bytes: Uint8Array): { length: number; strings: Map<number, string> } {
  let p = 1;
  const mb = (): number => {
    let v = 0;
    for (;;) {
      const c = bytes[p++]!;
      v = v * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) return v;
    }
  };
  if (mb() === 0) mb(); // public id 0: the FPI's offset follows
  mb(); // charset
  const length = mb();
  const strings = new Map<number, string>();
  const table = bytes.subarray(p, p + length);
  for (let o = 0; o < length; ) {
    const nul = table.indexOf(0, o);
    strings.set(o, new TextDecoder().decode(table.subarray(o, nul)));
    o = nul + 1;
  }
  return { length, strings };
}

/** How often each string is written as the text of an element (`kind` is the only non-text string). */
function textCounts(m: SyncML): Map<string, number> {
  const counts = new Map<string, number>();
  const walk = (x: unknown, key: string): void => {
    if (typeof x === 'string') {
      if (key !== 'kind') counts.set(x, (counts.get(x) ?? 0) + 1);
    } else if (Array.isArray(x)) x.forEach((y) => walk(y, key));
    else if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) walk(v, k);
  };
  walk(m, '');
  return counts;
}

/** The message with `data` and `moreData` dropped from the last Item of every command (both optional). */
function endItemsInMeta(m: SyncML): SyncML {
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      const items = o['items'];
      if (Array.isArray(items) && items.length > 0) {
        const last = items[items.length - 1] as Record<string, unknown>;
        delete last['data'];
        delete last['moreData'];
      }
      Object.values(o).forEach(walk);
    }
  };
  const copy = structuredClone(m);
  walk(copy.syncBody);
  return copy;
}

describe('WBXML encoder properties', () => {
  it('decodeWbxml(encodeWbxml(m, o)) is m, and wbxmlSize(m, o) is the length, for every option combination', () => {
    fc.assert(
      fc.property(withProfile, ({ profile, m }) => {
        for (const o of allOptions) {
          const bytes = encodeWbxml(m, o);
          expect(wbxmlSize(m, o), JSON.stringify(o)).toBe(bytes.length);
          expect(bytes[0], 'WBXML 1.3').toBe(0x03);
          if (o.publicId === 'fpi') expect([...bytes.subarray(1, 4)], 'public id 0, FPI at offset 0, UTF-8').toEqual([0x00, 0x00, 0x6a]);
          else expect([...bytes.subarray(1, 4)], 'public id 0x1201, UTF-8').toEqual([0xa4, 0x01, 0x6a]);
          expect(decodeWbxml(bytes, { profile }), JSON.stringify(o)).toStrictEqual(m);
        }
      }),
      { numRuns: RUNS, seed: 0x1201 },
    );
  });

  it("'auto' is never larger than 'inline' nor 'table', and its table holds exactly the strings that pay for themselves", () => {
    fc.assert(
      fc.property(withProfile, ({ m }) => {
        const counts = textCounts(m);
        for (const publicId of ['id', 'fpi'] as const) {
          const auto = encodeWbxml(m, { strings: 'auto', publicId });
          const inline = encodeWbxml(m, { strings: 'inline', publicId });
          const table = encodeWbxml(m, { strings: 'table', publicId });
          expect(auto.length).toBeLessThanOrEqual(inline.length);
          expect(auto.length).toBeLessThanOrEqual(table.length);

          // 'table': every distinct text once (after the FPI); 'inline': nothing but the FPI.
          const reserved = publicId === 'fpi' ? [FPI] : [];
          expect(new Set(stringTable(table).strings.values())).toEqual(new Set([...reserved, ...counts.keys()]));
          expect([...stringTable(inline).strings.values()]).toEqual(reserved);

          // 'auto': a string written k times, of n UTF-8 bytes, costs k * (n + 2) inline
          // (STR_I, text, NUL) and n + 1 + k * (1 + |offset|) through the table (the entry,
          // then STR_T and the mb_u_int32 offset per use). Each string in the table saves
          // bytes at its offset; a string left out saved nothing at its turn, so it saves
          // nothing at the end of the table either (offsets only grow).
          const { length, strings } = stringTable(auto);
          const inTable = new Set(strings.values());
          for (const [offset, s] of strings) {
            if (reserved.includes(s) && offset === 0) continue;
            const n = utf8.encode(s).length;
            const k = counts.get(s) ?? 0;
            expect(n + 1 + k * (1 + mbUint32Length(offset)), JSON.stringify(s)).toBeLessThan(k * (n + 2));
          }
          for (const [s, k] of counts) {
            if (inTable.has(s)) continue;
            const n = utf8.encode(s).length;
            expect(n + 1 + k * (1 + mbUint32Length(length)), JSON.stringify(s)).toBeGreaterThanOrEqual(k * (n + 2));
          }
        }
      }),
      { numRuns: RUNS, seed: 0x1202 },
    );
  });

  it('the WBXML decode of a message equals the XML decode of its XML twin', () => {
    fc.assert(
      fc.property(withProfile, fc.constantFrom(...allOptions), ({ profile, m }, o) => {
        const fromXml = decodeXml(encodeXmlString(m), { profile });
        expect(decodeWbxml(encodeWbxml(m, o), { profile })).toStrictEqual(fromXml);
      }),
      { numRuns: RUNS, seed: 0x1203 },
    );
  });

  /*
   * The inline encoding (public id 0x1201, no string table) is, byte for byte:
   *
   *   03 A4 01 6A 00          header: version 1.3, public id 0x1201, UTF-8, empty string table
   *   6D                      <SyncML>
   *   ...                     <SyncHdr>…</SyncHdr> (leaves code page 1 in force if it ends in MetInf)
   *   [00 00]                 SWITCH_PAGE 0, when it did
   *   6B                      <SyncBody>: so the first command always starts on code page 0
   *   command 1 … command n   each the size written by writeSyncBodyCommandWbxml(c, page) bytes, `page` being what
   *                           the command before left in force (a command starting on page 1
   *                           opens with its own SWITCH_PAGE 0)
   *   [[00 00] 12]            <Final/>, after SWITCH_PAGE 0 if the last command left page 1
   *   01 01                   END SyncBody, END SyncML
   *
   * The prefix (header to <SyncBody>) does not depend on the commands, so it is measured on
   * the same SyncHdr with only the first command.
   */
  it('the size written by writeSyncBodyCommandWbxml of each command, threading the code page, adds up to the inline size', () => {
    const tagNames = wbxmlGrammar.names.get(0)!;
    // Half the messages lose the Data and MoreData of every last Item, so that commands
    // often end in MetInf and leave code page 1 to the next one.
    const messages = fc.tuple(withProfile, fc.boolean()).map(([x, strip]) => (strip ? { ...x, m: endItemsInMeta(x.m) } : x));
    fc.assert(
      fc.property(messages, ({ m }) => {
        const inline = { strings: 'inline' } as const;
        const bytes = encodeWbxml(m, inline);
        expect([...bytes.subarray(0, 6)]).toEqual([0x03, 0xa4, 0x01, 0x6a, 0x00, 0x6d]);

        const first = m.syncBody.commands[0];
        const solo = encodeWbxml({ syncHdr: m.syncHdr, syncBody: { commands: [first] } }, inline);
        const prefix = solo.length - commandSize(first, 0).size - 2;
        expect(bytes[prefix - 1], '<SyncBody> ends the prefix').toBe(0x6b);

        let at = prefix;
        let page = 0;
        for (const command of m.syncBody.commands) {
          // Each command starts where the sizes before it say, with SWITCH_PAGE 0 if needed.
          const tag = page === 0 ? at : at + 2;
          if (page !== 0) expect([bytes[at], bytes[at + 1]], `SWITCH_PAGE 0 before <${command.kind}>`).toEqual([0x00, 0x00]);
          expect(tagNames[bytes[tag]! & 0x3f], `tag at ${tag}`).toBe(command.kind);
          expect(bytes[tag]! & 0x40, 'content bit').toBe(0x40);
          const r = commandSize(command, page);
          at += r.size;
          page = r.page;
        }
        const final = m.syncBody.final ? (page !== 0 ? 3 : 1) : 0;
        expect(bytes.length).toBe(at + final + 2);
        expect([...bytes.subarray(bytes.length - 2)], 'END SyncBody, END SyncML').toEqual([0x01, 0x01]);
        if (m.syncBody.final) expect(bytes[at + final - 1], '<Final/>').toBe(0x12);
      }),
      { numRuns: RUNS, seed: 0x1204 },
    );
  });

  it('text WBXML cannot carry is refused with an EncodeError naming the field, by encodeWbxml and wbxmlSize alike', () => {
    // NUL would end an inline string early; a lone surrogate has no UTF-8 form (it would be
    // written as U+FFFD); the other characters the readers refuse. All were written silently.
    const base = decodeWbxml(encodeWbxml(fc.sample(messageArbitrary({ profile: 'dm' }), { seed: 1, numRuns: 1 }).map(plain)[0]!));
    for (const [bad, code] of [['a\0b', '0000'], ['\x01', '0001'], ['x\uD800', 'D800'], ['\uDC00y', 'DC00'], ['\uFFFE', 'FFFE']] as const) {
      const m = structuredClone(base);
      m.syncHdr.sessionID = bad;
      for (const o of allOptions) {
        for (const f of [() => encodeWbxml(m, o), () => wbxmlSize(m, o)]) {
          let error: unknown;
          try {
            f();
          } catch (e) {
            error = e;
          }
          expect(error, `${JSON.stringify(bad)} ${JSON.stringify(o)}`).toBeInstanceOf(EncodeError);
          expect((error as EncodeError).path).toBe('/SyncML/SyncHdr/SessionID');
          expect((error as EncodeError).reason).toContain(`U+${code}`);
        }
      }
      expect(() => commandSize({ kind: 'Alert', cmdID: bad, items: [] }, 0)).toThrow(EncodeError);
    }
  });
});
