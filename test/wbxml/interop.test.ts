/**
 * Interoperability with libwbxml, an independent WBXML implementation (Debian's
 * libwbxml2-utils: xml2wbxml and wbxml2xml), for every spec example and for a fixed sample
 * of arbitrary messages of both profiles:
 *
 *   (a) our WBXML → wbxml2xml → decodeXml gives the message back;
 *   (b) the fixture, or our XML → xml2wbxml (with and without -n, no string table)
 *       → decodeWbxml gives the message back.
 *
 * Skipped where the tools are not installed (apt-get install libwbxml2-utils).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXmlString, type SyncML, type WbxmlEncodeOptions } from '../../src/index.js';
import { messageArbitrary } from '../../generated/arbitraries.js';
import { xmlText } from '../../src/runtime/arbitrary-text.js';
import { repoRoot } from '../helpers/validators.js';
import { describeWithTools } from '../helpers/tools.js';
import { Libwbxml, LIBWBXML_TOOLS } from './libwbxml.js';

type Profile = 'syncml' | 'dm';

const fixtureDir = join(repoRoot, 'test', 'fixtures', 'spec');
const fixtures = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(fixtureDir, name))) }));

/** Our WBXML is written with each of these in turn, so libwbxml reads every framing we write. */
const encodings: readonly WbxmlEncodeOptions[] = [
  {},
  { strings: 'inline' },
  { strings: 'table' },
  { publicId: 'fpi' },
  { strings: 'table', publicId: 'fpi' },
];

/** fast-check makes null-prototype records; the decoders make plain objects. */
const plain = (m: SyncML): SyncML => structuredClone(m);

/*
 * Text libwbxml cannot carry unchanged, for reasons of its own (each checked by a test in
 * "libwbxml differences" below, so a libwbxml that stops doing it is noticed):
 *
 * Direction (a), wbxml2xml:
 *   - CR (U+000D). wbxml2xml writes it raw instead of as &#13;, and every XML reader must
 *     turn a raw CR or CR LF into LF (XML 1.0, section 2.11). So "a\rb" comes back "a\nb".
 *   - "]]>". wbxml2xml writes the <Data> of an Item or Cred inside <Add> or <Replace>
 *     (libwbxml assumes it is a vCard/vCalendar) as a CDATA section without splitting a
 *     "]]>" in it: "l]]>t" becomes <![CDATA[l]]>t]]>, which is not well-formed XML.
 * Direction (b), xml2wbxml:
 *   - LF (U+000A). For the same <Data> elements xml2wbxml turns every LF into CR LF (its
 *     "preserve the CRLFs of vFormat objects" hack) and writes the text as OPAQUE. So
 *     <Replace>…<Data>a&#10;b</Data> comes back "a\r\nb".
 * These only touch <Data> of Add and Replace, but the `text` option applies to every text
 * element, so the sampled text leaves them out everywhere: CR and "]]>" in direction (a),
 * LF in direction (b). Each is still exercised by the other direction.
 *
 * Leading and trailing whitespace: libwbxml trims it from every text by default (it takes
 * it for ignorable whitespace); both tools keep it with -k, which is used for our compact
 * XML and our WBXML. The spec fixtures are indented and are converted without -k: with -k
 * xml2wbxml keeps the indentation between elements as text, which element-only content
 * does not allow (and decodeWbxml rightly refuses).
 */
const textForWbxml2xml = (): fc.Arbitrary<string> => xmlText().filter((s) => !s.includes('\r') && !s.includes(']]>'));
const textForXml2wbxml = (): fc.Arbitrary<string> => xmlText().filter((s) => !s.includes('\n'));

const PER_PROFILE = 20;
function sample(profile: Profile, text: () => fc.Arbitrary<string>, seed: number): { i: number; profile: Profile; m: SyncML }[] {
  return fc.sample(messageArbitrary({ profile, text }), { seed, numRuns: PER_PROFILE }).map((m, i) => ({ i, profile, m: plain(m) }));
}
const forWbxml2xml = [...sample('syncml', textForWbxml2xml, 1201), ...sample('dm', textForWbxml2xml, 1202)];
const forXml2wbxml = [...sample('syncml', textForXml2wbxml, 2201), ...sample('dm', textForXml2wbxml, 2202)];

describeWithTools(LIBWBXML_TOOLS, 'interoperability with libwbxml', () => {
  const lib = new Libwbxml();
  afterAll(() => lib.dispose());

  describe('spec examples', () => {
    it.each(fixtures.map((f, i) => ({ ...f, options: encodings[i % encodings.length]! })))(
      '$name: our WBXML ($options) → wbxml2xml → decodeXml',
      ({ bytes, options }) => {
        const message = decodeXml(bytes, { profile: 'dm' });
        const xml = lib.wbxml2xml(encodeWbxml(message, options));
        expect(decodeXml(xml, { profile: 'dm' })).toStrictEqual(message);
      },
    );

    it.each(fixtures)('$name: xml2wbxml (with and without -n) → decodeWbxml', ({ bytes }) => {
      const message = decodeXml(bytes, { profile: 'dm' });
      for (const flags of [[], ['-n']]) {
        const wbxml = lib.xml2wbxml(bytes, flags);
        expect([...wbxml.subarray(0, 4)], 'WBXML 1.3, public id 0x1201, UTF-8').toEqual([0x03, 0xa4, 0x01, 0x6a]);
        if (flags.length) expect(wbxml[4], 'no string table').toBe(0);
        expect(decodeWbxml(wbxml, { profile: 'dm' })).toStrictEqual(message);
      }
    });
  });

  describe(`arbitrary messages (${PER_PROFILE} per profile, fixed seeds)`, () => {
    it.each(forWbxml2xml.map((s) => ({ ...s, options: encodings[s.i % encodings.length]! })))(
      '$profile #$i: our WBXML ($options) → wbxml2xml -k → decodeXml',
      ({ profile, m, options }) => {
        const xml = lib.wbxml2xml(encodeWbxml(m, options), ['-k']);
        expect(decodeXml(xml, { profile })).toStrictEqual(m);
      },
    );

    it.each(forXml2wbxml)('$profile #$i: our XML → xml2wbxml -k (with and without -n) → decodeWbxml', ({ profile, m }) => {
      const xml = encodeXmlString(m);
      for (const flags of [['-k'], ['-k', '-n']]) {
        expect(decodeWbxml(lib.xml2wbxml(xml, flags), { profile })).toStrictEqual(m);
      }
    });
  });

  describe('libwbxml differences that the sampled text avoids', () => {
    const hdr =
      '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>SESSION</SessionID><MsgID>1</MsgID>' +
      '<Target><LocURI>IMEI:1</LocURI></Target><Source><LocURI>srv</LocURI></Source></SyncHdr>';
    const doc = (session: string, body: string): string =>
      `<SyncML xmlns="SYNCML:SYNCML1.2">${hdr.replace('SESSION', session)}<SyncBody>${body}</SyncBody></SyncML>`;
    const replaceData = (data: string): string => `<Replace><CmdID>2</CmdID><Item><Data>${data}</Data></Item></Replace>`;

    it('wbxml2xml writes CR raw, so XML reads it back as LF', () => {
      const m = decodeXml(doc('a&#13;b', replaceData('x')));
      expect(m.syncHdr.sessionID).toBe('a\rb');
      const xml = lib.wbxml2xml(encodeWbxml(m), ['-k']);
      expect(Buffer.from(xml).toString('utf8')).toContain('<SessionID>a\rb</SessionID>');
      expect(decodeXml(xml).syncHdr.sessionID).toBe('a\nb');
    });

    it('wbxml2xml writes <Data> of Add/Replace as CDATA without splitting "]]>"', () => {
      const m = decodeXml(doc('1', replaceData('l]]&gt;t')));
      const xml = Buffer.from(lib.wbxml2xml(encodeWbxml(m), ['-k'])).toString('utf8');
      expect(xml).toContain('<Data><![CDATA[l]]>t]]></Data>');
    });

    it('xml2wbxml turns LF into CR LF in <Data> of Add/Replace (as OPAQUE), and nowhere else', () => {
      const m = decodeXml(doc('a&#10;b', replaceData('c&#10;d')));
      const back = decodeWbxml(lib.xml2wbxml(encodeXmlString(m), ['-k']));
      expect(back.syncHdr.sessionID).toBe('a\nb');
      const replace = back.syncBody.commands[0];
      expect(replace?.kind === 'Replace' && replace.items[0]?.data).toBe('c\r\nd');
    });

    it('without -k, both tools trim leading and trailing whitespace', () => {
      const m = decodeXml(doc(' 1\t', replaceData('x')));
      expect(decodeWbxml(lib.xml2wbxml(encodeXmlString(m))).syncHdr.sessionID).toBe('1');
      expect(decodeXml(lib.wbxml2xml(encodeWbxml(m))).syncHdr.sessionID).toBe('1');
      expect(decodeWbxml(lib.xml2wbxml(encodeXmlString(m), ['-k'])).syncHdr.sessionID).toBe(' 1\t');
      expect(decodeXml(lib.wbxml2xml(encodeWbxml(m), ['-k'])).syncHdr.sessionID).toBe(' 1\t');
    });
  });
});
