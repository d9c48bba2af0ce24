/**
 * Lenient mode (`{ lenient: true }`) of both decoders: on a message the strict decoders
 * take it gives the same value and no warning; children of a sequence in any order give
 * the value of the same children in DTD order, with a `child-order` warning for each that
 * came late; what is still in doubt (a duplicate, an unknown element, a missing child no
 * table supplies, an undefined entity) is refused as in strict mode; the warnings are
 * bounded; strict mode records nothing.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_WARNINGS,
  decode,
  decodeLenient,
  decodeWbxml,
  decodeXml,
  encodeWbxml,
  encodeXml,
  isDecodeError,
  wbxmlGrammar,
  type DecodeWarning,
  type SyncML,
} from '../../src/index.js';
import { messageArbitrary } from '../../generated/arbitraries.js';

const enc = new TextEncoder();
const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';
const msg = (body: string): string => `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody>${body}<Final/></SyncBody></SyncML>`;
/** fast-check makes null-prototype records; the decoders make plain objects. */
const plain = (m: SyncML): SyncML => structuredClone(m);
const VALUE_SLIPS = new Set(['value-case', 'value-space']);

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isDecodeError(e)) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('on what strict mode takes, lenient mode gives the same value and no warning', () => {
  it('arbitrary messages of both profiles, XML and WBXML', () => {
    fc.assert(
      fc.property(messageArbitrary({ profile: 'syncml' }), fc.boolean(), (m, wbxml) => {
        const bytes = wbxml ? encodeWbxml(plain(m)) : encodeXml(plain(m));
        const strict = wbxml ? decodeWbxml(bytes) : decodeXml(bytes);
        const warnings: DecodeWarning[] = [];
        const lenient = wbxml ? decodeWbxml(bytes, { lenient: true, warnings }) : decodeXml(bytes, { lenient: true, warnings });
        // Arbitrary text may spell a Format value in another case (then it is repaired, and said so).
        expect(warnings.filter((w) => !VALUE_SLIPS.has(w.kind))).toEqual([]);
        if (warnings.length === 0) expect(lenient).toEqual(strict);
      }),
      { numRuns: 150 },
    );
  });

  it('a strict decode records nothing, even given a sink', () => {
    const warnings: DecodeWarning[] = [];
    const doc = msg('<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>');
    decodeXml(doc, { warnings });
    decodeWbxml(encodeWbxml(decodeXml(doc)), { warnings });
    expect(warnings).toEqual([]);
  });
});

describe('children in any order: the value of DTD order, a child-order warning for each late child', () => {
  // Every child a Status may have, in DTD order (TargetRef and SourceRef twice).
  const CHILDREN = [
    '<CmdID>7</CmdID>',
    '<MsgRef>1</MsgRef>',
    '<CmdRef>3</CmdRef>',
    '<Cmd>Replace</Cmd>',
    '<TargetRef>./a</TargetRef>',
    '<TargetRef>./b</TargetRef>',
    '<SourceRef>./c</SourceRef>',
    '<SourceRef>./d</SourceRef>',
    '<Chal><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type><NextNonce xmlns="syncml:metinf">bm9uY2U=</NextNonce></Meta></Chal>',
    '<Data>212</Data>',
    '<Item><Source><LocURI>./c</LocURI></Source><Data>x</Data></Item>',
  ];
  const ordered = decodeXml(msg(`<Status>${CHILDREN.join('')}</Status>`));

  it('every order of the Status children, XML and WBXML (repeated ones keep their order among themselves)', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(CHILDREN.map((_, i) => i), { minLength: CHILDREN.length }), fc.boolean(), (perm, wbxml) => {
        // Same-named children keep their relative order: their order is their meaning.
        const seen = new Map<string, number[]>();
        for (const i of perm) {
          const name = CHILDREN[i]!.slice(1, CHILDREN[i]!.indexOf('>'));
          seen.set(name, [...(seen.get(name) ?? []), i]);
        }
        fc.pre([...seen.values()].every((l) => l.every((v, k) => k === 0 || v > l[k - 1]!)));
        const xml = msg(`<Status>${perm.map((i) => CHILDREN[i]).join('')}</Status>`);
        const bytes = wbxml ? encodeWbxmlRaw(xml) : enc.encode(xml);
        const { message, warnings } = decodeLenient(bytes);
        expect(message).toEqual(ordered);
        // A child is late when one the DTD puts after it came before.
        const rank = (i: number): number => CHILDREN.findIndex((c) => c.slice(0, c.indexOf('>')) === CHILDREN[i]!.slice(0, CHILDREN[i]!.indexOf('>')));
        let highest = -1;
        let late = 0;
        for (const i of perm) {
          if (rank(i) < highest) late++;
          else highest = rank(i);
        }
        expect(warnings.map((w) => w.kind)).toEqual(Array(late).fill('child-order'));
        for (const w of warnings) expect(w.path).toMatch(/^\/SyncML\/SyncBody\/Status\[1\]\/[A-Za-z]+(\[\d\])?$/);
        if (late > 0) expect(() => (wbxml ? decodeWbxml(bytes) : decodeXml(bytes))).toThrow(/out of order|missing/);
      }),
      { numRuns: 120 },
    );
  });

  it('the commands keep the order they came in; Final before a command is only late', () => {
    const doc = `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Final/><Alert><CmdID>2</CmdID><Data>1226</Data></Alert></SyncBody></SyncML>`;
    const { message, warnings } = decodeLenient(enc.encode(doc));
    expect(message.syncBody.commands.map((c) => ('cmdID' in c ? c.cmdID : ''))).toEqual(['1', '2']);
    expect(message.syncBody.final).toBe(true);
    expect(warnings).toEqual([{ kind: 'child-order', message: expect.stringContaining('<Alert> after <Final> in <SyncBody>'), path: '/SyncML/SyncBody/Alert[2]', offset: doc.indexOf('<Alert><CmdID>2') }]);
  });
});

/**
 * WBXML of simple XML (elements, text, `xmlns` naming the vocabulary), token for token, in
 * the order written: the encoder writes typed values in DTD order, so out-of-order WBXML is
 * made from the XML. Inline strings; code pages from the generated grammar.
 */
function encodeWbxmlRaw(xml: string): Uint8Array {
  const { tokens, names, vocabularies, pageVocab } = wbxmlGrammar;
  const pageOf = new Map(vocabularies.map((v) => [v.namespace.toLowerCase(), v.page]));
  const out: number[] = [0x03, 0xa4, 0x01, tokens.CHARSET_UTF8, 0x00];
  const pages: number[] = [];
  let page = 0;
  for (const m of xml.matchAll(/<(\/?)([A-Za-z]+)([^>]*?)(\/?)>|([^<]+)/g)) {
    const [, close, name, attrs, empty, text] = m;
    if (text !== undefined) {
      out.push(tokens.STR_I, ...enc.encode(text), 0);
    } else if (close) {
      out.push(tokens.END);
      pages.pop();
    } else {
      const ns = /xmlns="([^"]*)"/.exec(attrs!)?.[1];
      const want = ns !== undefined ? pageOf.get(ns.toLowerCase())! : (pages.at(-1) ?? 0);
      if (want !== page) out.push(tokens.SWITCH_PAGE, (page = want));
      const id = names.get(page)!.indexOf(name!);
      expect(id, `<${name}> on page ${page} (${pageVocab.get(page)})`).toBeGreaterThanOrEqual(5);
      out.push(empty ? id : id | tokens.TAG_CONTENT);
      if (!empty) pages.push(page);
    }
  }
  return Uint8Array.from(out);
}

describe('what stays in doubt is refused in lenient mode too', () => {
  const lenient = (xml: string): SyncML => decodeXml(xml, { lenient: true });
  it('a duplicate singleton, an unknown element, a required child no table supplies', () => {
    expect(refused(() => lenient(msg('<Alert><CmdID>1</CmdID><CmdID>2</CmdID><Data>1201</Data></Alert>')))).toMatch(/duplicate <CmdID> in <Alert>/);
    expect(refused(() => lenient(msg('<Alert><CmdID>1</CmdID><Bogus/><Data>1201</Data></Alert>')))).toMatch(/unknown element <Bogus>/);
    // CmdRef is supplied only for the SyncHdr's Status.
    expect(refused(() => lenient(msg('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><Cmd>Replace</Cmd><Data>200</Data></Status>')))).toMatch(
      /\/SyncML\/SyncBody\/Status\[1\]: missing <CmdRef> in <Status>/,
    );
    expect(refused(() => lenient(msg('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Data>200</Data></Status>')))).toMatch(/missing <Cmd> in <Status>/);
  });

  it('the DM profile, an undefined entity, an & inside inline markup, bytes after the message that are not NULs', () => {
    expect(refused(() => decodeXml(msg('<Sync><CmdID>1</CmdID></Sync>'), { lenient: true, profile: 'dm' }))).toMatch(/not part of OMA DM/);
    expect(refused(() => lenient(msg('<Alert><CmdID>1</CmdID><Data>a&nbsp;b</Data></Alert>')))).toMatch(/undefined entity &nbsp;/);
    expect(refused(() => lenient(msg('<Replace><CmdID>1</CmdID><Item><Data><x>AT&T</x></Data></Item></Replace>')))).toMatch(/"&" that starts no entity/);
    expect(refused(() => lenient(msg('<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>') + '\0x'))).toMatch(/content after the root element/);
  });

  it('WBXML: a charset other than UTF-8, US-ASCII and unknown; an unknown public identifier; a string not at the table end without NUL', () => {
    const good = encodeWbxml(decodeXml(msg('<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>')), { strings: 'inline' });
    // 03 (1.3), public id 0x1201 (A4 01), charset 106 (6A), string table 0.
    expect([...good.subarray(0, 5)]).toEqual([0x03, 0xa4, 0x01, 0x6a, 0x00]);
    const latin1 = Uint8Array.from([0x03, 0xa4, 0x01, 0x04, ...good.subarray(4)]);
    expect(refused(() => decodeWbxml(latin1, { lenient: true }))).toMatch(/unsupported charset MIBenum 4/);
    const fpi = enc.encode('-//FOO//DTD Bar//EN');
    const unknown = Uint8Array.from([0x03, 0x00, 0x00, 0x6a, fpi.length + 1, ...fpi, 0, ...good.subarray(5)]);
    expect(refused(() => decodeWbxml(unknown, { lenient: true }))).toMatch(/unknown public identifier/);
    // The public id string at offset 0 runs into another string: its NUL is there, so it is read up to it.
    const two = Uint8Array.from([0x03, 0x00, 0x00, 0x6a, 4, 0x61, 0x62, 0x00, 0x63, ...good.subarray(5)]);
    expect(refused(() => decodeWbxml(two, { lenient: true }))).toMatch(/unknown public identifier "ab"/);
  });
});

describe('warnings are bounded', () => {
  it(`at most ${MAX_WARNINGS}, then one warnings-truncated`, () => {
    const item = '<Item><Meta><Format xmlns="syncml:metinf">CHR</Format></Meta><Data>x</Data></Item>';
    const doc = msg(`<Replace><CmdID>1</CmdID>${item.repeat(MAX_WARNINGS + 50)}</Replace>`);
    const warnings: DecodeWarning[] = [];
    const m = decode(enc.encode(doc), { lenient: true, warnings });
    expect(warnings).toHaveLength(MAX_WARNINGS + 1);
    expect(warnings.slice(0, -1).every((w) => w.kind === 'value-case')).toBe(true);
    expect(warnings.at(-1)!.kind).toBe('warnings-truncated');
    // Every slip is still recovered from.
    const replace = m.syncBody.commands[0]!;
    expect('items' in replace && replace.items.every((i) => i.meta?.format === 'chr')).toBe(true);
  });

  it('offsets in non-ASCII input are byte offsets', () => {
    const doc = msg('<Replace><CmdID>1</CmdID><Item><Data>é€😀</Data><Meta><Format xmlns="syncml:metinf">Chr</Format></Meta></Item></Replace>');
    const bytes = enc.encode(doc);
    const { warnings } = decodeLenient(bytes);
    expect(warnings.map((w) => w.kind)).toEqual(['child-order', 'value-case']);
    expect(Buffer.from(bytes.subarray(warnings[0]!.offset, warnings[0]!.offset + 6)).toString()).toBe('<Meta>');
    expect(Buffer.from(bytes.subarray(warnings[1]!.offset, warnings[1]!.offset + 9)).toString()).toBe('</Format>');
  });
});
