/**
 * The recorded-peer corpus (test/fixtures/peers/, described in its README.md): messages in
 * the styles real DM clients send. Each is decoded leniently with the slips named here
 * (kind, element path, and the byte offset pointing at the place), and refused by the
 * strict decoders with a DecodeError located at the slip; the value slips that the strict
 * decoders read as text (Format `Chr`) are reported by checkMessage instead. Lenient and
 * strict agree on everything else: the leniently decoded value, re-encoded, decodes
 * strictly to itself without a warning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMessage, decodeLenient, decodeWbxml, decodeXml, encodeWbxml, encodeXml, isDecodeError, type DecodeError, type LenientSlip, type SyncML } from '../../src/index.js';

const dir = join(import.meta.dirname, '../fixtures/peers');
const read = (file: string): Uint8Array => new Uint8Array(readFileSync(join(dir, file)));

interface Expected {
  readonly file: string;
  /** Each slip: its kind, its path, and the text (XML) or first byte (WBXML) at its offset. */
  readonly slips: readonly { readonly kind: LenientSlip; readonly path: string; readonly at: string | number }[];
  /** The strict decoder's refusal (path and reason), or `values` when it reads the slip as text and checkMessage finds it. */
  readonly strict: { readonly path: string; readonly reason: RegExp } | { readonly values: RegExp };
}

const S = '/SyncML/SyncBody';
const CORPUS: readonly Expected[] = [
  {
    file: 'status-synchdr-no-cmdref.xml',
    slips: [{ kind: 'status-cmdref-missing', path: `${S}/Status[1]`, at: '</Status>' }],
    strict: { path: `${S}/Status[1]`, reason: /^missing <CmdRef> in <Status>, found <Cmd>$/ },
  },
  {
    file: 'status-synchdr-out-of-order.xml',
    slips: [
      { kind: 'child-order', path: `${S}/Status[1]/MsgRef`, at: '<MsgRef>' },
      { kind: 'child-order', path: `${S}/Status[1]/CmdRef`, at: '<CmdRef>' },
      { kind: 'child-order', path: `${S}/Status[1]/TargetRef[1]`, at: '<TargetRef>' },
      { kind: 'child-order', path: `${S}/Status[1]/SourceRef[1]`, at: '<SourceRef>' },
    ],
    strict: { path: `${S}/Status[1]`, reason: /^missing <MsgRef> in <Status>, found <Cmd>$/ },
  },
  {
    file: 'targetref-after-data.xml',
    slips: [
      { kind: 'child-order', path: `${S}/Status[2]/TargetRef[1]`, at: '<TargetRef>' },
      { kind: 'child-order', path: `${S}/Results[1]/Item[1]/Source`, at: '<Source>' },
    ],
    strict: { path: `${S}/Status[2]`, reason: /^<TargetRef> is out of order in <Status>$/ },
  },
  {
    file: 'meta-after-item.xml',
    slips: [{ kind: 'child-order', path: `${S}/Alert[1]/Item[1]/Meta`, at: '<Meta>' }],
    strict: { path: `${S}/Alert[1]/Item[1]`, reason: /^<Meta> is out of order in <Item>$/ },
  },
  {
    file: 'format-value-case.xml',
    slips: [
      { kind: 'value-case', path: `${S}/Results[1]/Item[1]/Meta/Format`, at: '</Format>' },
      { kind: 'value-case', path: `${S}/Results[1]/Item[2]/Meta/Format`, at: '</Format>' },
    ],
    strict: { values: /Format "Chr" [\s\S]*Format "BOOL"/ },
  },
  {
    file: 'padded-values.xml',
    slips: [
      { kind: 'value-space', path: `${S}/Status[1]/Data`, at: '</Data>' },
      { kind: 'value-space', path: `${S}/Results[1]/Item[1]/Meta/Format`, at: '</Format>' },
    ],
    strict: { values: /Status code "\\n +200\\n +" [\s\S]*Format " chr "/ },
  },
  {
    file: 'unescaped-ampersand.xml',
    slips: [
      { kind: 'unescaped-ampersand', path: `${S}/Replace[1]/Item[1]/Data`, at: '&T Mobility' },
      { kind: 'unescaped-ampersand', path: `${S}/Replace[1]/Item[2]/Data`, at: '&b=2' },
    ],
    strict: { path: `${S}/Replace[1]/Item[1]/Data`, reason: /^"&" that starts no entity or character reference$/ },
  },
  {
    file: 'trailing-nul.xml',
    slips: [{ kind: 'trailing-nul', path: '', at: '\0' }],
    strict: { path: '', reason: /^content after the root element$/ },
  },
  {
    file: 'utf16-declaration.xml',
    slips: [{ kind: 'xml-encoding', path: '', at: '<?xml' }],
    strict: { path: '', reason: /^unsupported encoding "utf-16"/ },
  },
  {
    file: 'latin1-declaration.xml',
    slips: [{ kind: 'xml-encoding', path: '', at: '<?xml' }],
    strict: { path: '', reason: /^unsupported encoding "ISO-8859-1"/ },
  },
  // WBXML: `at` is the byte at the offset (a token, or the header field).
  {
    file: 'status-synchdr-no-cmdref.wbxml',
    slips: [{ kind: 'status-cmdref-missing', path: `${S}/Status[1]`, at: 0x01 /* END */ }],
    strict: { path: `${S}/Status[1]`, reason: /^missing <CmdRef> in <Status>, found <Cmd>$/ },
  },
  {
    file: 'targetref-after-data.wbxml',
    slips: [
      { kind: 'child-order', path: `${S}/Status[2]/TargetRef[1]`, at: 0x6f /* TargetRef with content */ },
      { kind: 'child-order', path: `${S}/Results[1]/Item[1]/Source`, at: 0x67 /* Source with content */ },
    ],
    strict: { path: `${S}/Status[2]`, reason: /^<TargetRef> is out of order in <Status>$/ },
  },
  {
    file: 'fpi-unterminated.wbxml',
    slips: [{ kind: 'wbxml-public-id-unterminated', path: '', at: 0x00 /* public id 0: by string */ }],
    strict: { path: '', reason: /^public id string has no terminating NUL$/ },
  },
  {
    file: 'fpi-lowercase.wbxml',
    slips: [{ kind: 'wbxml-public-id-case', path: '', at: 0x00 }],
    strict: { path: '', reason: /^unknown public identifier "-\/\/syncml\/\/dtd syncml 1\.2\/\/en"$/ },
  },
  {
    file: 'string-unterminated.wbxml',
    slips: [
      { kind: 'child-order', path: `${S}/Status[2]/TargetRef[1]`, at: 0x6f },
      { kind: 'wbxml-string-unterminated', path: `${S}/Status[2]/TargetRef[1]`, at: 0x83 /* STR_T */ },
      { kind: 'child-order', path: `${S}/Results[1]/Item[1]/Source`, at: 0x67 },
    ],
    strict: { path: `${S}/Status[2]`, reason: /^<TargetRef> is out of order in <Status>$/ },
  },
  {
    file: 'charset-unknown.wbxml',
    slips: [{ kind: 'wbxml-charset', path: '', at: 0x00 }],
    strict: { path: '', reason: /^unsupported charset MIBenum 0/ },
  },
  {
    file: 'charset-us-ascii.wbxml',
    slips: [{ kind: 'wbxml-charset', path: '', at: 0x03 }],
    strict: { path: '', reason: /^unsupported charset MIBenum 3/ },
  },
  {
    file: 'wbxml-1.0.wbxml',
    slips: [{ kind: 'wbxml-version', path: '', at: 0x00 }],
    strict: { path: '', reason: /^unsupported WBXML version byte 0x00/ },
  },
  {
    file: 'trailing-nul.wbxml',
    slips: [{ kind: 'trailing-nul', path: '', at: 0x00 }],
    strict: { path: '', reason: /^content after the root element$/ },
  },
];

function strictError(file: string, bytes: Uint8Array): DecodeError {
  try {
    if (file.endsWith('.wbxml')) decodeWbxml(bytes);
    else decodeXml(bytes);
  } catch (e) {
    if (isDecodeError(e)) return e;
    throw e;
  }
  throw new Error(`${file}: the strict decoder accepted it`);
}

describe('recorded-peer corpus: each message decodes leniently with its slips named, and strictly not', () => {
  for (const c of CORPUS) {
    describe(`${c.file}: ${[...new Set(c.slips.map((s) => s.kind))].join(', ')}`, () => {
      const bytes = read(c.file);
      const wbxml = c.file.endsWith('.wbxml');

      it('lenient: the slips, each at its path and offset', () => {
        const { format, warnings } = decodeLenient(bytes);
        expect(format).toBe(wbxml ? 'wbxml' : 'xml');
        expect(warnings.map((w) => ({ kind: w.kind, path: w.path }))).toEqual(c.slips.map((s) => ({ kind: s.kind, path: s.path })));
        warnings.forEach((w, i) => {
          const at = c.slips[i]!.at;
          if (typeof at === 'number') expect(bytes[w.offset], `${w.kind} at offset ${w.offset}`).toBe(at);
          else expect(Buffer.from(bytes.subarray(w.offset, w.offset + at.length)).toString('latin1'), `${w.kind} at offset ${w.offset}`).toBe(at);
          expect(w.message.length).toBeGreaterThan(10);
        });
      });

      it('strict: refused with a located DecodeError, or its values flagged by checkMessage', () => {
        if ('values' in c.strict) {
          const message = wbxml ? decodeWbxml(bytes) : decodeXml(bytes);
          const errors = checkMessage(message, { semantics: true }).filter((i) => i.severity !== 'warning');
          expect(errors.map((i) => i.reason).join('\n')).toMatch(c.strict.values);
          return;
        }
        const e = strictError(c.file, bytes);
        expect({ path: e.path, reason: e.reason }).toEqual({ path: c.strict.path, reason: expect.stringMatching(c.strict.reason) });
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThan(bytes.length);
        if (!wbxml) expect(e.line).toBeGreaterThanOrEqual(1);
      });

      it('the lenient value is a valid message: re-encoded, it decodes strictly to itself, without a warning', () => {
        const { message } = decodeLenient(bytes);
        const again: SyncML = wbxml ? decodeWbxml(encodeWbxml(message)) : decodeXml(encodeXml(message));
        expect(again).toEqual(message);
        expect(decodeLenient(wbxml ? encodeWbxml(message) : encodeXml(message)).warnings).toEqual([]);
      });
    });
  }
});

describe('what the slips mean', () => {
  it('a SyncHdr Status without CmdRef refers to the header: CmdRef 0', () => {
    const { message } = decodeLenient(read('status-synchdr-no-cmdref.xml'));
    const [hdrStatus, replaceStatus] = message.syncBody.commands;
    expect(hdrStatus).toMatchObject({ kind: 'Status', cmd: 'SyncHdr', cmdRef: '0', msgRef: '1', data: '200' });
    expect(replaceStatus).toMatchObject({ kind: 'Status', cmd: 'Replace', cmdRef: '3' });
  });

  it('children out of order land where the DTD puts them, repeated ones in the order they came', () => {
    const { message } = decodeLenient(read('status-synchdr-out-of-order.xml'));
    expect(message.syncBody.commands[0]).toEqual({
      kind: 'Status',
      cmdID: '1',
      msgRef: '1',
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: ['IMEI:490154203237518'],
      sourceRefs: ['https://dm.example.net/dm'],
      data: '212',
      items: [],
    });
  });

  it('Format in another case or padded is the value of the table; an & that starts no reference is itself', () => {
    const formats = (file: string): (string | undefined)[] =>
      decodeLenient(read(file)).message.syncBody.commands.flatMap((c) => ('items' in c && Array.isArray(c.items) ? c.items.map((i) => i.meta?.format) : []));
    expect(formats('format-value-case.xml')).toEqual(['chr', 'bool']);
    expect(formats('padded-values.xml')).toEqual(['chr']);
    const replace = decodeLenient(read('unescaped-ampersand.xml')).message.syncBody.commands[1]!;
    expect('items' in replace && replace.items.map((i) => i.data)).toEqual(['AT&T Mobility', 'http://portal.example.com/?a=1&b=2']);
  });

  it('the header slips of WBXML give the same message as the well-formed header', () => {
    const reference = decodeLenient(read('trailing-nul.wbxml')).message;
    for (const file of ['fpi-unterminated.wbxml', 'fpi-lowercase.wbxml', 'charset-unknown.wbxml', 'charset-us-ascii.wbxml', 'wbxml-1.0.wbxml']) {
      expect(decodeLenient(read(file)).message, file).toEqual(reference);
    }
  });

  it('a SessionID in hex (or any other spelling) is not a slip: both modes keep it as text', () => {
    const bytes = read('session-id-hex.xml');
    expect(decodeXml(bytes).syncHdr.sessionID).toBe('4A3F');
    const { message, warnings } = decodeLenient(bytes);
    expect(message.syncHdr.sessionID).toBe('4A3F');
    expect(warnings).toEqual([]);
  });
});
