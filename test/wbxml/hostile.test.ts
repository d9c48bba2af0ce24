/**
 * Hostile WBXML: one test per kind of bad input, each asserting the DecodeError's reason,
 * its exact byte offset, and its element path where one is meaningful; then a mutation
 * property: random edits of valid WBXML never make decodeWbxml throw anything but a
 * DecodeError (and whatever it does decode re-encodes to itself).
 *
 * Inputs are spelled as bytes. `'@name'` in a byte list marks the offset of the next byte,
 * so the expected offsets are read off the input rather than counted by hand.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DecodeError, decodeWbxml, decodeXml, encodeWbxml, isDecodeError, type DecodeLimits, type WbxmlEncodeOptions } from '../../src/index.js';
import { messageArbitrary } from '../../generated/arbitraries.js';
import { WbxmlReader } from '../../src/runtime/wbxml-reader.js';
import { resolveLimits } from '../../src/runtime/limits.js';
import { wbxmlGrammar } from '../../generated/grammar.js';
import { decodeMessage } from '../../generated/decoder.js';
import { repoRoot } from '../helpers/validators.js';

type Profile = 'syncml' | 'dm';
type Part = number | readonly Part[] | `@${string}`;

const enc = new TextEncoder();
/** STR_I: 0x03, the UTF-8 bytes, NUL. */
const STR_I = (s: string): number[] => [0x03, ...enc.encode(s), 0x00];
const utf8 = (s: string): number[] => [...enc.encode(s)];

/** Bytes from parts; `@name` parts record the offset of what follows them. */
function build(...parts: Part[]): { bytes: Uint8Array; at: Record<string, number> } {
  const out: number[] = [];
  const at: Record<string, number> = {};
  const add = (p: Part): void => {
    if (typeof p === 'string') at[p.slice(1)] = out.length;
    else if (typeof p === 'number') out.push(p);
    else for (const q of p) add(q);
  };
  parts.forEach(add);
  return { bytes: new Uint8Array(out), at };
}

/** version 1.3, public id 0x1201 (A4 01), UTF-8 (6A), empty string table */
const HEADER = [0x03, 0xa4, 0x01, 0x6a, 0x00];
/** <SyncHdr> … </SyncHdr>: VerDTD, VerProto, SessionID, MsgID, Target, Source (9 elements). */
const SYNC_HDR = [
  0x6c,
  [0x71, STR_I('1.2'), 0x01],
  [0x72, STR_I('DM/1.2'), 0x01],
  [0x65, STR_I('1'), 0x01],
  [0x5b, STR_I('1'), 0x01],
  [0x6e, 0x57, STR_I('IMEI:1'), 0x01, 0x01],
  [0x67, 0x57, STR_I('srv'), 0x01, 0x01],
  0x01,
];
/** <SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert></SyncBody></SyncML> */
const BODY_END = [0x6b, 0x46, 0x4b, STR_I('1'), 0x01, 0x4f, STR_I('1201'), 0x01, 0x01, 0x01, 0x01];
/** A valid message of 14 elements. */
const VALID = build(HEADER, 0x6d, SYNC_HDR, BODY_END).bytes;

interface Expected {
  readonly reason: RegExp;
  readonly offset: number;
  readonly path?: string;
}

function decodeError(input: Uint8Array, options: { profile?: Profile; limits?: Partial<DecodeLimits> } = {}): DecodeError {
  try {
    decodeWbxml(input, options);
  } catch (e) {
    expect(isDecodeError(e), String(e)).toBe(true);
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('decoded without an error');
}

/**
 * What the reader examined before refusing `input` (as decodeWbxml reads it): bytes of its
 * forward pass plus its work counter (strings scanned, embedded documents). Counted, never
 * timed: a refusal that is "fast" examines little beyond the bytes up to the problem.
 */
function workUntilRefused(input: Uint8Array, limits?: Partial<DecodeLimits>): number {
  const r = new WbxmlReader(input, wbxmlGrammar, resolveLimits(limits));
  try {
    r.openRoot();
    decodeMessage(r);
    r.finish();
  } catch (e) {
    if (isDecodeError(e)) return r.scanned + r.work;
    throw e;
  }
  throw new Error('decoded without an error');
}

function expectFailure(input: Uint8Array, expected: Expected, options: { profile?: Profile; limits?: Partial<DecodeLimits> } = {}): DecodeError {
  const e = decodeError(input, options);
  expect(e.reason).toMatch(expected.reason);
  expect(e.offset).toBe(expected.offset);
  if (expected.path !== undefined) expect(e.path).toBe(expected.path);
  return e;
}

describe('hostile WBXML', () => {
  it('the base message is valid', () => {
    expect(decodeWbxml(VALID, { profile: 'dm' }).syncBody.commands[0]).toMatchObject({ kind: 'Alert', cmdID: '1', data: '1201' });
  });

  describe('truncated multi-byte integers', () => {
    it('public id', () => {
      expectFailure(new Uint8Array([0x03, 0x81]), { reason: /^truncated multi-byte integer$/, offset: 1, path: '' });
      expectFailure(new Uint8Array([0x03]), { reason: /^truncated multi-byte integer$/, offset: 1, path: '' });
    });

    it('string-table index of the FPI (public id 0)', () => {
      expectFailure(new Uint8Array([0x03, 0x00, 0x80]), { reason: /^truncated multi-byte integer$/, offset: 2, path: '' });
    });

    it('string table length', () => {
      expectFailure(new Uint8Array([0x03, 0xa4, 0x01, 0x6a, 0x81]), { reason: /^truncated multi-byte integer$/, offset: 4, path: '' });
    });

    it('STR_T offset', () => {
      const { bytes, at } = build(0x03, 0xa4, 0x01, 0x6a, 0x03, utf8('ab'), 0x00, 0x6d, 0x6c, 0x71, 0x83, '@mb', 0x81);
      expectFailure(bytes, { reason: /^truncated multi-byte integer$/, offset: at['mb']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('OPAQUE length', () => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, 0x71, 0xc3, '@mb', 0x80);
      expectFailure(bytes, { reason: /^truncated multi-byte integer$/, offset: at['mb']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('more than 32 bits, and more than five bytes', () => {
      // 9F FF FF FF 7F is 2^33 - 1; 80 80 80 80 80 81 has six bytes.
      expectFailure(new Uint8Array([0x03, 0xa4, 0x01, 0x6a, 0x9f, 0xff, 0xff, 0xff, 0x7f]), { reason: /^multi-byte integer larger than 32 bits$/, offset: 4 });
      expectFailure(new Uint8Array([0x03, 0xa4, 0x01, 0x6a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81]), { reason: /^multi-byte integer longer than five bytes$/, offset: 4 });
    });
  });

  describe('string table references', () => {
    it('STR_T offset past the end of the table', () => {
      const { bytes, at } = build(0x03, 0xa4, 0x01, 0x6a, 0x03, utf8('ab'), 0x00, 0x6d, 0x6c, 0x71, '@t', 0x83, 0x03, 0x01);
      expectFailure(bytes, { reason: /^string table offset 3 is past the end of the table$/, offset: at['t']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('FPI index past the end of the table', () => {
      const bytes = new Uint8Array([0x03, 0x00, 0x05, 0x6a, 0x02, 0x61, 0x00, 0x6d]);
      expectFailure(bytes, { reason: /^public id string at offset 5 is past the string table$/, offset: 1, path: '' });
    });

    it('STR_T offset pointing into the middle of a UTF-8 character', () => {
      // The table is "é" (C3 A9) NUL; offset 1 starts at the continuation byte A9.
      const { bytes, at } = build(0x03, 0xa4, 0x01, 0x6a, 0x03, 0xc3, 0xa9, 0x00, 0x6d, 0x6c, 0x71, '@t', 0x83, 0x01, 0x01);
      expectFailure(bytes, { reason: /^string at table offset 1 is not valid UTF-8$/, offset: at['t']!, path: '/SyncML/SyncHdr/VerDTD' });
      // Offset 0 is the whole character, and fine up to there.
      const ok = build(0x03, 0xa4, 0x01, 0x6a, 0x03, 0xc3, 0xa9, 0x00, 0x6d, 0x6c, 0x71, 0x83, 0x00, 0x01, '@next', 0x01);
      expectFailure(ok.bytes, { reason: /^missing <VerProto> in <SyncHdr>$/, offset: ok.at['next']!, path: '/SyncML/SyncHdr' });
    });

    it('a few bytes of STR_T cannot expand to more text than maxBytes in all', () => {
      // Table: 100 × "a" NUL. Strings before the Items: "1.2" "DM/1.2" "1" "1" "IMEI:1" "srv"
      // and CmdID "1": 21 characters. Each Item's Data references the table: after the
      // 10th, 21 + 1000 > 1000 characters.
      const items: Part[] = [];
      for (let i = 1; i <= 12; i++) items.push([0x54, 0x4f, `@ref${i}`, 0x83, 0x00, 0x01, 0x01]);
      const { bytes, at } = build(0x03, 0xa4, 0x01, 0x6a, 0x65, Array(100).fill(0x61), 0x00, 0x6d, SYNC_HDR, 0x6b, 0x46, 0x4b, STR_I('1'), 0x01, items, 0x01, 0x01, 0x01);
      expect(bytes.length).toBeLessThan(1000);
      expectFailure(
        bytes,
        { reason: /^strings hold more than 1000 characters in all \(the input limit\)$/, offset: at['ref10']!, path: '/SyncML/SyncBody/Alert[1]/Item[10]/Data' },
        { limits: { maxBytes: 1000 } },
      );
      expect(() => decodeWbxml(bytes, { limits: { maxBytes: 1300 } })).not.toThrow();
    });

    it('a 1 MB string referenced a hundred times fails under the default limits, decoding it once', () => {
      // 100 × 1 MiB of text from 1 MiB of input. With the 21 characters before the Items,
      // 32 references make 21 + 32 × 2^20 > 2^25 (maxBytes, 32 MiB): the 32nd fails.
      const items: Part[] = [];
      for (let i = 1; i <= 100; i++) items.push([0x54, 0x4f, `@ref${i}`, 0x83, 0x00, 0x01, 0x01]);
      const L = 1 << 20;
      const table = new Uint8Array(L + 1).fill(0x61);
      table[L] = 0;
      const head = [0x03, 0xa4, 0x01, 0x6a, 0xc0, 0x80, 0x01]; // table length 2^20 + 1 = mb 40 80 01 → C0 80 01
      const { bytes: rest, at } = build(0x6d, SYNC_HDR, 0x6b, 0x46, 0x4b, STR_I('1'), 0x01, items, 0x01, 0x01, 0x01);
      const bytes = new Uint8Array([...head, ...table, ...rest]);
      const e = expectFailure(bytes, { reason: /^strings hold more than 33554432 characters in all/, offset: head.length + table.length + at['ref32']! });
      expect(e.path).toBe('/SyncML/SyncBody/Alert[1]/Item[32]/Data');
      // The string is scanned once; each later reference is one cache lookup.
      expect(workUntilRefused(bytes)).toBeLessThanOrEqual(2 * bytes.length);
    });
  });

  describe('tokens', () => {
    it('unknown tag token', () => {
      // 0x30 is reserved on code page 0; 0x17 is unused on code page 1.
      const a = build(HEADER, 0x6d, 0x6c, '@t', 0x70);
      expectFailure(a.bytes, { reason: /^unknown tag token 0x70 on code page 0$/, offset: a.at['t']!, path: '/SyncML/SyncHdr' });
      const b = build(HEADER, 0x6d, SYNC_HDR.slice(0, -1), 0x5a, 0x00, 0x01, '@t', 0x57);
      expectFailure(b.bytes, { reason: /^unknown tag token 0x57 on code page 1$/, offset: b.at['t']!, path: '/SyncML/SyncHdr/Meta' });
    });

    it('SWITCH_PAGE to an unknown code page', () => {
      const a = build(HEADER, 0x6d, 0x6c, '@s', 0x00, 0x02, 0x71);
      expectFailure(a.bytes, { reason: /^SWITCH_PAGE to unknown code page 2$/, offset: a.at['s']!, path: '/SyncML/SyncHdr' });
      const b = build(HEADER, 0x6d, 0x6c, 0x71, '@s', 0x00, 0xff, STR_I('1.2'), 0x01);
      expectFailure(b.bytes, { reason: /^SWITCH_PAGE to unknown code page 255$/, offset: b.at['s']!, path: '/SyncML/SyncHdr/VerDTD' });
      // In <Data>, where markup is kept as text.
      const c = build(HEADER, 0x6d, SYNC_HDR, 0x6b, 0x46, 0x4b, STR_I('1'), 0x01, 0x4f, '@s', 0x00, 0x07, 0x47);
      expectFailure(c.bytes, { reason: /^SWITCH_PAGE to unknown code page 7$/, offset: c.at['s']!, path: '/SyncML/SyncBody/Alert[1]/Data' });
    });

    it('END without a start tag', () => {
      expectFailure(build(HEADER, 0x01).bytes, { reason: /^END without an open element$/, offset: 5, path: '' });
    });

    it('a tag with the attribute bit', () => {
      expectFailure(build(HEADER, 0xed).bytes, { reason: /^<SyncML> has attributes, which this grammar does not define$/, offset: 5, path: '' });
      const a = build(HEADER, 0x6d, 0x6c, '@t', 0xb1);
      expectFailure(a.bytes, { reason: /^<VerDTD> has attributes/, offset: a.at['t']!, path: '/SyncML/SyncHdr' });
    });

    it('literal tags, extensions and processing instructions', () => {
      expectFailure(build(HEADER, 0x04, 0x00).bytes, { reason: /^token 0x04 is not supported here/, offset: 5, path: '' });
      const a = build(HEADER, 0x6d, 0x6c, '@t', 0x43);
      expectFailure(a.bytes, { reason: /^token 0x43 is not supported here/, offset: a.at['t']!, path: '/SyncML/SyncHdr' });
      const b = build(HEADER, 0x6d, 0x6c, 0x71, '@t', 0xc0, 0x01);
      expectFailure(b.bytes, { reason: /^<VerDTD> holds text only; found token 0xC0$/, offset: b.at['t']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('a root element other than <SyncML>', () => {
      expectFailure(build(HEADER, 0x6c, 0x01).bytes, { reason: /^root element is <SyncHdr>, expected <SyncML>$/, offset: 5, path: '' });
    });

    it('text in element-only content', () => {
      const a = build(HEADER, 0x6d, 0x6c, '@t', STR_I('1.2'));
      expectFailure(a.bytes, { reason: /^text is not allowed in <SyncHdr>, only elements$/, offset: a.at['t']!, path: '/SyncML/SyncHdr' });
      const b = build(HEADER, 0x6d, SYNC_HDR, 0x6b, '@t', 0xc3, 0x01, 0x20);
      expectFailure(b.bytes, { reason: /^text is not allowed in <SyncBody>, only elements$/, offset: b.at['t']!, path: '/SyncML/SyncBody' });
      const c = build(HEADER, '@t', 0x83, 0x00);
      expectFailure(c.bytes, { reason: /^text is not allowed in <document>, only elements$/, offset: c.at['t']!, path: '' });
    });

    it('a required child missing at the end of its parent: reported inside the parent, at what closed it (as decodeXml does)', () => {
      const a = build(HEADER, 0x6d, 0x6c, 0x71, STR_I('1.2'), 0x01, '@end', 0x01);
      expectFailure(a.bytes, { reason: /^missing <VerProto> in <SyncHdr>$/, offset: a.at['end']!, path: '/SyncML/SyncHdr' });
      const xml = '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr></SyncML>';
      const x = (() => { try { decodeXml(xml); } catch (e) { return e as DecodeError; } throw new Error('decoded'); })();
      expect([x.reason, x.path, x.offset]).toEqual(['missing <VerProto> in <SyncHdr>', '/SyncML/SyncHdr', xml.indexOf('</SyncHdr>')]);
      // <SyncHdr> without the content bit (0x2C) is closed by its own tag.
      const b = build(HEADER, 0x6d, '@hdr', 0x2c);
      expectFailure(b.bytes, { reason: /^missing <VerDTD> in <SyncHdr>$/, offset: b.at['hdr']!, path: '/SyncML/SyncHdr' });
    });

    it('content after the root element', () => {
      expectFailure(new Uint8Array([...VALID, 0x01]), { reason: /^content after the root element$/, offset: VALID.length, path: '' });
      expectFailure(new Uint8Array([...VALID, ...VALID.subarray(5)]), { reason: /^content after the root element$/, offset: VALID.length, path: '' });
    });
  });

  describe('deep nesting (100 000 levels) fails at maxDepth, having read only up to there', () => {
    it('nested <Atomic> (each a valid start: CmdID, then another Atomic)', () => {
      const levels: Part[] = [];
      for (let i = 1; i <= 100_000; i++) levels.push([0x48, `@cmdID${i}`, 0x4b, STR_I('1'), 0x01]);
      const { bytes, at } = build(HEADER, 0x6d, SYNC_HDR, 0x6b, levels);
      // SyncML and SyncBody are depths 1 and 2, the 46th Atomic is 48: its CmdID would be 49.
      expectFailure(bytes, { reason: /^nesting deeper than 48 elements$/, offset: at['cmdID46']!, path: '/SyncML/SyncBody' + '/Atomic[1]'.repeat(46) });
      // 700 kB of input, some 300 bytes read (strings: a byte each).
      expect(workUntilRefused(bytes)).toBeLessThanOrEqual(2 * at['cmdID46']! + 2);
    });

    it('markup nested inside <Data> (kept as text)', () => {
      const { bytes, at } = build(HEADER, 0x6d, SYNC_HDR, 0x6b, 0x46, 0x4b, STR_I('1'), 0x01, 0x54, 0x4f, '@inner', Array(100_000).fill(0x4f));
      // SyncML, SyncBody, Alert, Item, Data are depths 1 to 5; the 44th tag inside would be 49.
      expectFailure(bytes, { reason: /^nesting deeper than 48 elements$/, offset: at['inner']! + 43, path: '/SyncML/SyncBody/Alert[1]/Item[1]/Data' + '/Data'.repeat(43) });
      expect(workUntilRefused(bytes)).toBeLessThanOrEqual(2 * (at['inner']! + 43) + 2);
    });
  });

  describe('declared lengths larger than the input fail before any allocation', () => {
    it('string table of 0xFFFFFFFF bytes', () => {
      const bytes = new Uint8Array([0x03, 0xa4, 0x01, 0x6a, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x6d]);
      expectFailure(bytes, { reason: /^string table of 4294967295 bytes is longer than the rest of the input$/, offset: 4, path: '' });
      expect(workUntilRefused(bytes)).toBeLessThanOrEqual(bytes.length);
    });

    it('OPAQUE of 0xFFFFFFFF bytes', () => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, 0x71, '@o', 0xc3, 0x8f, 0xff, 0xff, 0xff, 0x7f, STR_I('1.2'), 0x01);
      expectFailure(bytes, { reason: /^OPAQUE claims 4294967295 bytes, only 6 remain$/, offset: at['o']!, path: '/SyncML/SyncHdr/VerDTD' });
      expect(workUntilRefused(bytes)).toBeLessThanOrEqual(bytes.length);
    });
  });

  describe('header', () => {
    it('unsupported version byte', () => {
      expectFailure(new Uint8Array([0x04, 0xa4, 0x01, 0x6a, 0x00]), { reason: /^unsupported WBXML version byte 0x04 \(1\.1 to 1\.3 are read\)$/, offset: 0, path: '' });
      // WBXML 1.0 has no charset field: not read.
      expectFailure(new Uint8Array([0x00, 0x05, 0x6a, 0x00]), { reason: /^unsupported WBXML version byte 0x00/, offset: 0 });
    });

    it('a charset other than UTF-8 (4 = ISO-8859-1)', () => {
      const bytes = new Uint8Array([0x03, 0xa4, 0x01, 0x04, ...VALID.subarray(4)]);
      expectFailure(bytes, { reason: /^unsupported charset MIBenum 4: only UTF-8 \(106\) is read$/, offset: 3, path: '' });
    });

    it('the public id of MetInf, as id or as FPI', () => {
      expectFailure(new Uint8Array([0x03, 0xa4, 0x02, ...VALID.subarray(3)]), { reason: /^document is a MetInf document, expected SyncML$/, offset: 1, path: '' });
      const fpi = utf8('-//SYNCML//DTD MetInf 1.2//EN');
      const bytes = new Uint8Array([0x03, 0x00, 0x00, 0x6a, fpi.length + 1, ...fpi, 0x00, ...VALID.subarray(5)]);
      expectFailure(bytes, { reason: /^document is a MetInf document, expected SyncML$/, offset: 1, path: '' });
    });

    it('an unknown FPI, and an unknown public id', () => {
      const fpi = utf8('-//ACME//DTD Foo 1.0//EN');
      const bytes = new Uint8Array([0x03, 0x00, 0x00, 0x6a, fpi.length + 1, ...fpi, 0x00, ...VALID.subarray(5)]);
      expectFailure(bytes, { reason: /^unknown public identifier "-\/\/ACME\/\/DTD Foo 1\.0\/\/EN"$/, offset: 1, path: '' });
      expectFailure(new Uint8Array([0x03, 0xa4, 0x34, ...VALID.subarray(3)]), { reason: /^unknown public id 0x1234$/, offset: 1, path: '' });
    });

    it('an FPI without its NUL', () => {
      const bytes = new Uint8Array([0x03, 0x00, 0x00, 0x6a, 0x02, 0x2d, 0x2d, 0x6d]);
      expectFailure(bytes, { reason: /^public id string has no terminating NUL$/, offset: 1, path: '' });
    });
  });

  describe('strings', () => {
    it('STR_I without a NUL', () => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, 0x71, '@s', 0x03, utf8('1.2'));
      expectFailure(bytes, { reason: /^inline string has no terminating NUL$/, offset: at['s']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it.each([
      ['a stray continuation byte', [0x31, 0xff]],
      ['an overlong NUL', [0xc0, 0x80]],
      ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
      ['a cut-off sequence', [0x31, 0xe2, 0x82]],
    ])('invalid UTF-8 in STR_I: %s', (_, bad) => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, 0x71, '@s', 0x03, bad, 0x00, 0x01);
      expectFailure(bytes, { reason: /^inline string is not valid UTF-8$/, offset: at['s']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('invalid UTF-8 in OPAQUE text: the offset of the bad byte', () => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, 0x71, 0xc3, 0x04, 0x31, 0x2e, '@bad', 0xff, 0x32, 0x01);
      expectFailure(bytes, { reason: /^OPAQUE data is neither UTF-8 text nor a WBXML document of a known vocabulary$/, offset: at['bad']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('characters XML cannot carry: reported at their token, in their element', () => {
      const a = build(HEADER, 0x6d, 0x6c, 0x71, STR_I('1'), '@s', 0x03, 0x2e, 0x01, 0x32, 0x00, 0x01);
      expectFailure(a.bytes, { reason: /^character U\+0001 is not allowed in text$/, offset: a.at['s']!, path: '/SyncML/SyncHdr/VerDTD' });
      const b = build(HEADER, 0x6d, 0x6c, 0x71, '@e', 0x02, 0x00, 0x01);
      expectFailure(b.bytes, { reason: /^ENTITY names U\+0, which XML does not allow$/, offset: b.at['e']!, path: '/SyncML/SyncHdr/VerDTD' });
      const c = build(HEADER, 0x6d, 0x6c, 0x71, '@e', 0x02, 0x83, 0xff, 0x7e, 0x01); // U+FFFE
      expectFailure(c.bytes, { reason: /^ENTITY names U\+FFFE, which XML does not allow$/, offset: c.at['e']!, path: '/SyncML/SyncHdr/VerDTD' });
    });

    it('an embedded document that is cut short is not one: its bytes must then be UTF-8', () => {
      // OPAQUE holding the first 8 bytes of a MetInf document (03 A4 02 6A 00 00 01 4E): A4 is not UTF-8.
      const { bytes, at } = build(HEADER, 0x6d, SYNC_HDR, 0x6b, 0x46, 0x4b, STR_I('1'), 0x01, 0x4f, 0xc3, 0x08, 0x03, '@bad', 0xa4, 0x02, 0x6a, 0x00, 0x00, 0x01, 0x4e, 0x01, 0x01, 0x01, 0x01);
      expectFailure(bytes, { reason: /^OPAQUE data is neither UTF-8 text nor a WBXML document/, offset: at['bad']!, path: '/SyncML/SyncBody/Alert[1]/Data' });
    });
  });

  describe('limits', () => {
    it('maxBytes', () => {
      expectFailure(VALID, { reason: new RegExp(`^input of ${VALID.length} bytes is larger than the limit of ${VALID.length - 1} bytes$`), offset: 0, path: '' }, { limits: { maxBytes: VALID.length - 1 } });
      expect(() => decodeWbxml(VALID, { limits: { maxBytes: VALID.length } })).not.toThrow();
    });

    it('maxElements', () => {
      // The 14th element is <Data>, the last.
      const { bytes, at } = build(HEADER, 0x6d, SYNC_HDR, 0x6b, 0x46, 0x4b, STR_I('1'), 0x01, '@data', 0x4f, STR_I('1201'), 0x01, 0x01, 0x01, 0x01);
      expect(bytes).toEqual(VALID);
      expectFailure(bytes, { reason: /^more than 13 elements$/, offset: at['data']!, path: '/SyncML/SyncBody/Alert[1]' }, { limits: { maxElements: 13 } });
      expect(() => decodeWbxml(bytes, { limits: { maxElements: 14 } })).not.toThrow();
    });

    it('maxDepth', () => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, [0x71, STR_I('1.2'), 0x01], [0x72, STR_I('DM/1.2'), 0x01], [0x65, STR_I('1'), 0x01], [0x5b, STR_I('1'), 0x01], 0x6e, '@loc', 0x57);
      expectFailure(bytes, { reason: /^nesting deeper than 3 elements$/, offset: at['loc']!, path: '/SyncML/SyncHdr/Target' }, { limits: { maxDepth: 3 } });
      expect(() => decodeWbxml(VALID, { limits: { maxDepth: 4 } })).not.toThrow();
    });

    it('maxTextLength', () => {
      const { bytes, at } = build(HEADER, 0x6d, 0x6c, [0x71, STR_I('1.2'), 0x01], 0x72, '@s', STR_I('DM/1.2'), 0x01);
      expectFailure(bytes, { reason: /^text longer than the limit of 3$/, offset: at['s']!, path: '/SyncML/SyncHdr/VerProto' }, { limits: { maxTextLength: 3 } });
      // Several pieces of one text add up.
      const parts = build(HEADER, 0x6d, 0x6c, 0x71, STR_I('1.'), '@second', STR_I('23'), 0x01);
      expectFailure(parts.bytes, { reason: /^text longer than the limit of 3$/, offset: parts.at['second']!, path: '/SyncML/SyncHdr/VerDTD' }, { limits: { maxTextLength: 3 } });
    });

    it('maxTextLength counts characters (UTF-16 units), not bytes, as decodeXml does', () => {
      const session = 'ééé'; // 3 characters, 6 bytes
      const m = decodeWbxml(VALID);
      m.syncHdr.sessionID = session;
      const bytes = encodeWbxml(m, { strings: 'inline' });
      const xml = `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${session}</SessionID><MsgID>1</MsgID><Target><LocURI>IMEI:1</LocURI></Target><Source><LocURI>srv</LocURI></Source></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert></SyncBody></SyncML>`;
      const limits = { maxTextLength: 6 };
      expect(decodeWbxml(bytes, { limits })).toStrictEqual(decodeXml(xml, { limits }));
      expect(decodeWbxml(bytes, { limits }).syncHdr.sessionID).toBe(session);
      expect(() => decodeXml(xml, { limits: { maxTextLength: 5 } })).toThrow(DecodeError);
      expect(() => decodeWbxml(bytes, { limits: { maxTextLength: 5 } })).toThrow(DecodeError);
    });
  });
});

// ------------------------------------------------------------------ mutation property

const fixtureMessages = readdirSync(join(repoRoot, 'test', 'fixtures', 'spec'))
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((f) => decodeXml(readFileSync(join(repoRoot, 'test', 'fixtures', 'spec', f))));
const goldenBytes = readdirSync(join(repoRoot, 'test', 'fixtures', 'wbxml'))
  .filter((f) => f.endsWith('.wbxml'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(join(repoRoot, 'test', 'fixtures', 'wbxml', f))));

const encodeOptions = fc.record({
  strings: fc.constantFrom<'auto' | 'inline' | 'table'>('auto', 'inline', 'table'),
  publicId: fc.constantFrom<'id' | 'fpi'>('id', 'fpi'),
}) as fc.Arbitrary<WbxmlEncodeOptions>;

const validWbxml = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(messageArbitrary({ profile: 'syncml', maxItems: 2 }), encodeOptions).map(([m, o]) => encodeWbxml(m, o)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...fixtureMessages), encodeOptions).map(([m, o]) => encodeWbxml(m, o)) },
  { weight: 1, arbitrary: fc.constantFrom(...goldenBytes) },
);

/** Bytes that mean something to the reader: global tokens, tag bits, mb_u_int32 continuations. */
const interestingByte = fc.oneof(fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x40, 0x43, 0x80, 0x83, 0xc3, 0xc4, 0xff, 0x7f, 0x6a, 0xa4), fc.integer({ min: 0, max: 255 }));

type Edit =
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: readonly number[] }
  | { readonly op: 'truncate'; readonly at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: interestingByte }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(interestingByte, { minLength: 1, maxLength: 6 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(input: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let b = [...input];
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % (b.length + 1);
    if (e.op === 'set') {
      if (at < b.length) b[at] = e.value;
    } else if (e.op === 'delete') b.splice(at, e.length);
    else if (e.op === 'insert') b.splice(at, 0, ...e.bytes);
    else b = b.slice(0, at);
  }
  return new Uint8Array(b);
}

const limitsArb = fc.option(
  fc.record({ maxDepth: fc.integer({ min: 1, max: 12 }), maxElements: fc.integer({ min: 1, max: 200 }), maxTextLength: fc.integer({ min: 0, max: 40 }) }, { requiredKeys: [] }),
  { nil: undefined },
);

describe('mutated WBXML', () => {
  it('never makes decodeWbxml throw anything but a DecodeError, with a sane path and offset', () => {
    fc.assert(
      fc.property(validWbxml, fc.array(edit, { minLength: 1, maxLength: 4 }), fc.constantFrom<Profile>('syncml', 'dm'), limitsArb, (valid, edits, profile, limits) => {
        const input = apply(valid, edits);
        let decoded;
        try {
          decoded = decodeWbxml(input, { profile, ...(limits && { limits }) });
        } catch (e) {
          if (!isDecodeError(e) || !(e instanceof DecodeError)) throw e;
          expect(typeof e.reason).toBe('string');
          expect(e.reason.length).toBeGreaterThan(0);
          expect(Number.isInteger(e.offset)).toBe(true);
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(input.length);
          expect(e.path === '' || /^(\/[A-Za-z]+(\[[1-9][0-9]*\])?)+$/.test(e.path), e.path).toBe(true);
          return;
        }
        // Whatever decodes is a valid message: it encodes, and decodes to itself again.
        expect(decodeWbxml(encodeWbxml(decoded), { profile })).toStrictEqual(decoded);
      }),
      { numRuns: 500, seed: 0x5e1f },
    );
  });
});
