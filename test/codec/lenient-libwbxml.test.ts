/**
 * The floor of lenient WBXML decoding: every header and string table that libwbxml's
 * `wbxml2xml` (Debian's libwbxml2-utils) accepts, the lenient decoder accepts too, with the
 * same message as the well-formed header gives, where the meaning is not in doubt. A grid
 * of version bytes, public ids, FPIs in the string table, charsets and string tables,
 * each dimension varied alone and in pairs, is given to both.
 *
 * Left out, as their meaning is in doubt: a public id that names another document type
 * (MetInf, DevInf, WML): libwbxml then reads the SyncML tokens as that vocabulary's, and
 * the lenient decoder refuses them as the strict one does. Bytes after the document that
 * are not NULs (libwbxml ignores them) are not header or string table, and stay refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeLenient, decodeWbxml, type SyncML } from '../../src/index.js';
import { describeWithTools } from '../helpers/tools.js';
import { Libwbxml } from '../wbxml/libwbxml.js';

const fixture = (file: string): Uint8Array => new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/wbxml', file)));
const enc = new TextEncoder();

/** mb_u_int32 bytes of `v`, with `pad` leading 0x80 bytes. */
function mb(v: number, pad = 0): number[] {
  const out = [v & 0x7f];
  for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80);
  return [...Array<number>(pad).fill(0x80), ...out];
}

// Two bodies: one with inline strings only, one whose strings are references to the table
// "./DevDetail/SwV\0" (16 bytes at offset 0), from the WBXML goldens.
const inlineDoc = fixture('inline-strings.wbxml');
const tableDoc = fixture('string-table.wbxml');
const INLINE = { body: inlineDoc.subarray(5), table: [] as number[], message: decodeWbxml(inlineDoc) };
const SWV = [...enc.encode('./DevDetail/SwV'), 0];
const TABLE = { body: tableDoc.subarray(5 + SWV.length), table: SWV, message: decodeWbxml(tableDoc) };
expect([...inlineDoc.subarray(0, 5)]).toEqual([0x03, 0xa4, 0x01, 0x6a, 0x00]);
expect([...tableDoc.subarray(0, 5 + SWV.length)]).toEqual([0x03, 0xa4, 0x01, 0x6a, SWV.length, ...SWV]);

interface Header {
  version?: number;
  /** The public id field: an id (mb_u_int32 bytes), or 0 and the FPI's index. */
  publicId?: number[];
  /** Charset field bytes; none for WBXML 1.0 (version 0). */
  charset?: number[];
  /** String table appended to the body's own strings (which come first, so their offsets hold). */
  extraTable?: number[];
  /** The body's table replaced (for a last string without its NUL). */
  table?: number[];
}

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly message: SyncML;
  /** The meaning is in doubt: libwbxml may read it, the lenient decoder refuses it. */
  readonly doubtful?: string;
}

function build(name: string, h: Header, doc = INLINE, doubtful?: string): Case {
  const version = h.version ?? 3;
  const table = [...(h.table ?? doc.table), ...(h.extraTable ?? [])];
  const charset = h.charset ?? (version === 0 ? [] : [0x6a]);
  const bytes = Uint8Array.from([version, ...(h.publicId ?? mb(0x1201)), ...charset, ...mb(table.length), ...table, ...doc.body]);
  return { name, bytes, message: doc.message, ...(doubtful ? { doubtful } : {}) };
}

const FPI = '-//SYNCML//DTD SyncML 1.2//EN';
const fpiBytes = (s: string, nul: boolean): number[] => [...enc.encode(s), ...(nul ? [0] : [])];
/** The public id field naming the FPI at `index` of the table. */
const byFpi = (index: number): number[] => [0, ...mb(index)];

const VERSIONS = [0x00, 0x01, 0x02, 0x03, 0x04, 0x13, 0xff];
const PUBLIC_IDS: [string, number[], string?][] = [
  ['0x1201 (SyncML 1.2)', mb(0x1201)],
  ['0x0FD3 (SyncML 1.1)', mb(0x0fd3)],
  ['1 (unknown)', mb(1)],
  ['0x1201 padded with 0x80', mb(0x1201, 2)],
  ['0x1202 (MetInf)', mb(0x1202), 'a MetInf document'],
  ['0x0FD4 (DevInf 1.1)', mb(0x0fd4), 'a DevInf document'],
  ['0x1203 (DevInf 1.2)', mb(0x1203), 'a DevInf document'],
  ['0x02 (WML 1.0)', mb(0x02), 'a WML document'],
  ['0x1100 (unregistered)', mb(0x1100)],
  ['0x7F (unregistered)', mb(0x7f)],
];
const FPIS: [string, string, boolean, string?][] = [
  ['the FPI', FPI, true],
  ['the FPI without NUL', FPI, false],
  ['the FPI in lower case', FPI.toLowerCase(), true],
  ['the FPI in lower case without NUL', FPI.toLowerCase(), false],
  ['the FPI in mixed case', '-//SyncML//DTD SyncML 1.2//EN', true],
  ['the SyncML 1.1 FPI', '-//SYNCML//DTD SyncML 1.1//EN', true],
  ['the FPI with a trailing space', FPI + ' ', true],
  ['an unknown FPI', '-//FOO//DTD Bar 1.0//EN', true],
  ['the MetInf FPI', '-//SYNCML//DTD MetInf 1.2//EN', true, 'a MetInf document'],
];
const CHARSETS: [string, number[]][] = [
  ['0 (unknown)', mb(0)],
  ['3 (US-ASCII)', mb(3)],
  ['4 (ISO-8859-1)', mb(4)],
  ['106 (UTF-8)', mb(106)],
  ['106 padded with 0x80', mb(106, 1)],
  ['1015 (UTF-16)', mb(1015)],
  ['2026 (Big5)', mb(2026)],
];
const TABLES: [string, Header][] = [
  ['the referenced strings', {}],
  ['the last referenced string without its NUL', { table: SWV.slice(0, -1) }],
  ['unused bytes after the strings', { extraTable: [...enc.encode('xyz'), 0] }],
  ['an unused string without NUL at the end', { extraTable: [...enc.encode('abc')] }],
];

function cases(): Case[] {
  const all: Case[] = [];
  for (const v of VERSIONS) all.push(build(`version 0x${v.toString(16)}`, { version: v }));
  all.push(build('version 0x00 with a charset field', { version: 0, charset: [0x6a] }));
  for (const [name, id, doubt] of PUBLIC_IDS) all.push(build(`public id ${name}`, { publicId: id }, INLINE, doubt));
  for (const [name, fpi, nul, doubt] of FPIS) {
    all.push(build(`${name} at table offset 0`, { publicId: byFpi(0), extraTable: fpiBytes(fpi, nul) }, INLINE, doubt));
    all.push(build(`${name} after the body's strings`, { publicId: byFpi(SWV.length), extraTable: fpiBytes(fpi, nul) }, TABLE, doubt));
  }
  all.push(build('an FPI index past the table', { publicId: byFpi(40), extraTable: fpiBytes(FPI, true) }));
  all.push(build('an FPI index into an empty table', { publicId: byFpi(0) }));
  for (const [name, cs] of CHARSETS) all.push(build(`charset ${name}`, { charset: cs }));
  for (const [name, h] of TABLES) all.push(build(`string table: ${name}`, h, TABLE));
  // Pairs: each version with each charset, each FPI spelling with each string table.
  for (const v of VERSIONS.filter((x) => x !== 0)) for (const [name, cs] of CHARSETS) all.push(build(`version 0x${v.toString(16)}, charset ${name}`, { version: v, charset: cs }));
  for (const [fname, fpi, nul, doubt] of FPIS.slice(0, 4)) {
    // (Not after a last string without its NUL: the FPI would then be part of that string.)
    for (const [tname, h] of TABLES.filter(([, t]) => t.table === undefined)) {
      const table = [...(h.table ?? SWV), ...(h.extraTable ?? [])];
      all.push(build(`${fname} after ${tname}`, { publicId: byFpi(table.length), table, extraTable: fpiBytes(fpi, nul) }, TABLE, doubt));
    }
  }
  all.push(build('version 0x00, the FPI without NUL', { version: 0, publicId: byFpi(0), extraTable: fpiBytes(FPI, false) }));
  return all;
}

describeWithTools(['wbxml2xml'], 'lenient WBXML reads every header and string table wbxml2xml reads (unless in doubt)', () => {
  const lib = new Libwbxml();
  afterAll(() => lib.dispose());
  const grid = cases();

  it(`a grid of ${grid.length} headers and string tables`, () => {
    let accepted = 0;
    const report: string[] = [];
    for (const c of grid) {
      let libwbxmlReads = true;
      try {
        lib.wbxml2xml(c.bytes);
      } catch {
        libwbxmlReads = false;
      }
      let ours: SyncML | string;
      try {
        ours = decodeLenient(c.bytes).message;
      } catch (e) {
        ours = (e as Error).message;
      }
      if (!libwbxmlReads) continue;
      accepted++;
      if (c.doubtful) {
        // libwbxml reads the tokens as another vocabulary's: refused.
        if (typeof ours !== 'string') report.push(`${c.name}: ${c.doubtful}, accepted`);
      } else if (typeof ours === 'string') {
        report.push(`${c.name}: wbxml2xml reads it, lenient decode refuses it: ${ours}`);
      } else if (JSON.stringify(ours) !== JSON.stringify(c.message)) {
        report.push(`${c.name}: another message than the well-formed header gives`);
      }
    }
    expect(report).toEqual([]);
    // The grid is not vacuous: most of it is read by libwbxml, and strict mode refuses some of that.
    expect(accepted).toBeGreaterThan(grid.length / 2);
  }, 120_000);

  it('strict mode refuses the slips of that grid (it stays as strict as it was)', () => {
    const warned = (c: Case): boolean => {
      try {
        return decodeLenient(c.bytes).warnings.length > 0;
      } catch {
        return false;
      }
    };
    const slips = grid.filter((c) => !c.doubtful && warned(c));
    expect(slips.length).toBeGreaterThan(10);
    for (const c of slips) expect(() => decodeWbxml(c.bytes), c.name).toThrow();
  });
});
