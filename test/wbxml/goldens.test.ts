/**
 * Hand-checked WBXML goldens, one per framing form, built byte by byte below so each byte
 * can be checked against the WBXML 1.3 spec (WAP-192-WBXML) and the SyncML code pages
 * (schemas/wbxml-tokens.tsv). Each is stored as test/fixtures/wbxml/<name>.wbxml next to
 * <name>.xml, the same message as XML.
 *
 *   inline-strings   every string inline (STR_I), public id 0x1201, SWITCH_PAGE to MetInf
 *   string-table     'auto' strings: the one string that pays for itself is in the table (STR_T)
 *   fpi-public-id    public id 0 and the FPI "-//SYNCML//DTD SyncML 1.2//EN" in the string table
 *   opaque-metinf    an Item whose Data is OPAQUE holding a WBXML MetInf document (public id
 *                    0x1202): decodes to the XML text of that document
 *
 * Reading aid. Header: version (0x03 = 1.3), public id (mb_u_int32), [string table index of
 * the FPI when the public id is 0], charset (mb_u_int32, 0x6A = 106 = UTF-8), string table
 * length (mb_u_int32) and the table. mb_u_int32: big-endian 7-bit groups, high bit set on all
 * but the last byte (0x1201 = 0x24 * 128 + 0x01 → A4 01). Tag byte: token | 0x40 when the
 * element has content (closed by END = 0x01), the bare token when it has none. Global tokens:
 * SWITCH_PAGE 0x00 + page, END 0x01, STR_I 0x03 + NUL-terminated UTF-8, STR_T 0x83 + offset
 * (mb_u_int32), OPAQUE 0xC3 + length (mb_u_int32) + bytes.
 *
 * `OMADM_WRITE_GOLDENS=1 npx vitest run test/wbxml/goldens.test.ts` rewrites the .wbxml
 * files from the arrays below; otherwise the files must equal them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWbxml, decodeXml, encodeWbxml, type WbxmlEncodeOptions } from '../../src/index.js';
import { repoRoot } from '../helpers/validators.js';
import { describeWithTools } from '../helpers/tools.js';
import { Libwbxml, LIBWBXML_TOOLS } from './libwbxml.js';

const dir = join(repoRoot, 'test', 'fixtures', 'wbxml');

/** The bytes of ASCII text (all the goldens' strings are ASCII). */
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
/** STR_I: 0x03, the UTF-8 bytes, NUL. */
const STR_I = (s: string): number[] => [0x03, ...ascii(s), 0x00];
const bytes = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());

/** The start of the SyncHdr of three of the goldens (SessionID 1, MsgID 1, IMEI:1 → srv), up to </Source>. */
const syncHdr = [
  0x6c,                            // <SyncHdr>        0x2C | 0x40
  0x71, STR_I('1.2'), 0x01,        //   <VerDTD>       0x31 | 0x40, "1.2", END
  0x72, STR_I('DM/1.2'), 0x01,     //   <VerProto>     0x32 | 0x40, "DM/1.2", END
  0x65, STR_I('1'), 0x01,          //   <SessionID>    0x25 | 0x40, "1", END
  0x5b, STR_I('1'), 0x01,          //   <MsgID>        0x1B | 0x40, "1", END
  0x6e,                            //   <Target>       0x2E | 0x40
  0x57, STR_I('IMEI:1'), 0x01,     //     <LocURI>     0x17 | 0x40, "IMEI:1", END
  0x01,                            //   </Target>      END
  0x67,                            //   <Source>       0x27 | 0x40
  0x57, STR_I('srv'), 0x01,        //     <LocURI>     "srv", END
  0x01,                            //   </Source>      END
].flat();

const goldens: { name: string; options: WbxmlEncodeOptions; bytes: Uint8Array }[] = [
  {
    name: 'inline-strings',
    options: { strings: 'inline' },
    bytes: bytes(
      0x03,                        // version: WBXML 1.3
      0xa4, 0x01,                  // public id 0x1201: SyncML 1.2 (mb_u_int32 A4 01)
      0x6a,                        // charset 106: UTF-8
      0x00,                        // string table length 0
      0x6d,                        // <SyncML>        0x2D | 0x40
      syncHdr,                     //   <SyncHdr> … </Source> as above (SyncHdr still open)
      0x5a,                        //     <Meta>      0x1A | 0x40 (code page 0)
      0x00, 0x01,                  //       SWITCH_PAGE 1: MetInf
      0x4c, STR_I('4000'), 0x01,   //       <MaxMsgSize> 0x0C | 0x40 (page 1), "4000", END
      0x01,                        //     </Meta>     END (global: no switch needed)
      0x01,                        //   </SyncHdr>    END
      0x00, 0x00,                  //   SWITCH_PAGE 0: SyncML again
      0x6b,                        //   <SyncBody>    0x2B | 0x40
      0x46,                        //     <Alert>     0x06 | 0x40
      0x4b, STR_I('1'), 0x01,      //       <CmdID>   0x0B | 0x40, "1", END
      0x4f, STR_I('1201'), 0x01,   //       <Data>    0x0F | 0x40, "1201", END
      0x01,                        //     </Alert>    END
      0x12,                        //     <Final/>    0x12, no content bit, no END
      0x01,                        //   </SyncBody>   END
      0x01,                        // </SyncML>       END
    ),
  },
  {
    // 'auto': a string written k times, of n bytes, goes in the table when n + 1 + 2k < k(n + 2).
    // "./DevDetail/SwV" (n = 15, k = 2): 20 < 34, in the table at offset 0. "1" (SessionID and
    // MsgRef, n = 1, k = 2): 6 < 6 is false, inline. Every other string is written once.
    name: 'string-table',
    options: { strings: 'auto' },
    bytes: bytes(
      0x03,                        // version: WBXML 1.3
      0xa4, 0x01,                  // public id 0x1201
      0x6a,                        // charset 106: UTF-8
      0x10,                        // string table length 16
      ascii('./DevDetail/SwV'), 0x00, //   offset 0: "./DevDetail/SwV" NUL
      0x6d,                        // <SyncML>
      0x6c,                        //   <SyncHdr>
      0x71, STR_I('1.2'), 0x01,    //     <VerDTD> "1.2"
      0x72, STR_I('DM/1.2'), 0x01, //     <VerProto> "DM/1.2"
      0x65, STR_I('1'), 0x01,      //     <SessionID> "1"
      0x5b, STR_I('2'), 0x01,      //     <MsgID> "2"
      0x6e, 0x57, STR_I('srv'), 0x01, 0x01,    // <Target><LocURI> "srv" END END
      0x67, 0x57, STR_I('IMEI:1'), 0x01, 0x01, // <Source><LocURI> "IMEI:1" END END
      0x01,                        //   </SyncHdr>
      0x6b,                        //   <SyncBody>
      0x62,                        //     <Results>   0x22 | 0x40
      0x4b, STR_I('3'), 0x01,      //       <CmdID> "3"
      0x5c, STR_I('1'), 0x01,      //       <MsgRef>  0x1C | 0x40, "1"
      0x4c, STR_I('4'), 0x01,      //       <CmdRef>  0x0C | 0x40, "4"
      0x68, 0x83, 0x00, 0x01,      //       <SourceRef> 0x28 | 0x40, STR_T offset 0, END
      0x54,                        //       <Item>    0x14 | 0x40
      0x67, 0x57, 0x83, 0x00, 0x01, 0x01, //    <Source><LocURI> STR_T offset 0, END END
      0x4f, STR_I('1.0'), 0x01,    //         <Data> "1.0"
      0x01,                        //       </Item>
      0x01,                        //     </Results>
      0x12,                        //     <Final/>
      0x01,                        //   </SyncBody>
      0x01,                        // </SyncML>
    ),
  },
  {
    name: 'fpi-public-id',
    options: { publicId: 'fpi', strings: 'inline' },
    bytes: bytes(
      0x03,                        // version: WBXML 1.3
      0x00,                        // public id 0: named by a string in the table
      0x00,                        // its offset in the string table: 0
      0x6a,                        // charset 106: UTF-8
      0x1e,                        // string table length 30
      ascii('-//SYNCML//DTD SyncML 1.2//EN'), 0x00, // offset 0: the FPI (29 bytes) NUL
      0x6d,                        // <SyncML>
      syncHdr,                     //   <SyncHdr> … </Source> as above
      0x01,                        //   </SyncHdr>
      0x6b,                        //   <SyncBody>
      0x46,                        //     <Alert>
      0x4b, STR_I('1'), 0x01,      //       <CmdID> "1"
      0x4f, STR_I('1201'), 0x01,   //       <Data> "1201"
      0x01,                        //     </Alert>
      0x12,                        //     <Final/>
      0x01,                        //   </SyncBody>
      0x01,                        // </SyncML>
    ),
  },
];

/** The MetInf document inside the OPAQUE of the last golden: <MetInf><Format>chr</Format><Type>text/plain</Type></MetInf>. */
const metInfDocument = bytes(
  0x03,                            // version: WBXML 1.3
  0xa4, 0x02,                      // public id 0x1202: MetInf 1.2
  0x6a,                            // charset 106: UTF-8
  0x00,                            // string table length 0
  0x00, 0x01,                      // SWITCH_PAGE 1: the MetInf tokens are on code page 1
  0x4e,                            // <MetInf>  0x0E | 0x40
  0x47, STR_I('chr'), 0x01,        //   <Format> 0x07 | 0x40, "chr", END
  0x53, STR_I('text/plain'), 0x01, //   <Type>   0x13 | 0x40, "text/plain", END
  0x01,                            // </MetInf> END
);
const metInfXml = '<MetInf xmlns="syncml:metinf"><Format>chr</Format><Type>text/plain</Type></MetInf>';

const opaqueMetInf = {
  name: 'opaque-metinf',
  bytes: bytes(
    0x03,                          // version: WBXML 1.3
    0xa4, 0x01,                    // public id 0x1201
    0x6a,                          // charset 106: UTF-8
    0x00,                          // string table length 0
    0x6d,                          // <SyncML>
    syncHdr,                       //   <SyncHdr> … </Source> as above
    0x01,                          //   </SyncHdr>
    0x6b,                          //   <SyncBody>
    0x60,                          //     <Replace>  0x20 | 0x40
    0x4b, STR_I('1'), 0x01,        //       <CmdID> "1"
    0x54,                          //       <Item>
    0x6e, 0x57, STR_I('./Ext/Meta'), 0x01, 0x01, // <Target><LocURI> "./Ext/Meta" END END
    0x4f,                          //         <Data>
    0xc3, 0x1e,                    //           OPAQUE, length 30
    [...metInfDocument],           //           the MetInf document (30 bytes)
    0x01,                          //         </Data>
    0x01,                          //       </Item>
    0x01,                          //     </Replace>
    0x12,                          //     <Final/>
    0x01,                          //   </SyncBody>
    0x01,                          // </SyncML>
  ),
};

const all = [...goldens, opaqueMetInf];
const write = process.env['OMADM_WRITE_GOLDENS'] === '1';
const twin = (name: string) => decodeXml(readFileSync(join(dir, `${name}.xml`)), { profile: 'dm' });

describe('WBXML goldens', () => {
  it.each(all)('$name.wbxml holds the hand-built bytes', ({ name, bytes }) => {
    const file = join(dir, `${name}.wbxml`);
    if (write) writeFileSync(file, bytes);
    expect(new Uint8Array(readFileSync(file))).toEqual(bytes);
  });

  it.each(goldens)('$name: encodeWbxml($options) of the .xml twin is exactly the golden', ({ name, options, bytes }) => {
    const m = twin(name);
    expect(encodeWbxml(m, options)).toEqual(bytes);
  });

  it.each(all)('$name: decodeWbxml gives decodeXml of the .xml twin', ({ name, bytes }) => {
    expect(decodeWbxml(bytes, { profile: 'dm' })).toStrictEqual(twin(name));
  });

  it('opaque-metinf: the Data is the XML text of the embedded MetInf document', () => {
    expect(metInfDocument.length).toBe(0x1e);
    const replace = decodeWbxml(opaqueMetInf.bytes).syncBody.commands[0];
    expect(replace?.kind === 'Replace' && replace.items[0]?.data).toBe(metInfXml);
  });

  describeWithTools(LIBWBXML_TOOLS, 'and libwbxml', () => {
    const lib = new Libwbxml();
    afterAll(() => lib.dispose());

    it.each(goldens)('$name: wbxml2xml reads it, to the message of the .xml twin', ({ name }) => {
      const xml = lib.wbxml2xml(join(dir, `${name}.wbxml`));
      expect(decodeXml(xml, { profile: 'dm' })).toStrictEqual(twin(name));
    });

    it('opaque-metinf: wbxml2xml reads it (and prints the OPAQUE bytes raw, as CDATA)', () => {
      const xml = Buffer.from(lib.wbxml2xml(join(dir, 'opaque-metinf.wbxml'))).toString('latin1');
      expect(xml).toContain('<Data><![CDATA[' + Buffer.from(metInfDocument).toString('latin1') + ']]></Data>');
    });

    it('xml2wbxml writes the same bytes: inline (-n) for all three twins, and the same string table', () => {
      // libwbxml names documents by public id, so its inline form of the FPI golden is the
      // inline-strings framing; the body bytes after the header must still agree.
      const inline = encodeWbxml(twin('fpi-public-id'), { strings: 'inline' });
      for (const { name } of goldens) {
        const ours = name === 'fpi-public-id' ? inline : encodeWbxml(twin(name), { strings: 'inline' });
        expect(lib.xml2wbxml(readFileSync(join(dir, `${name}.xml`)), ['-n']), name).toEqual(ours);
      }
      expect(lib.xml2wbxml(readFileSync(join(dir, 'string-table.xml')))).toEqual(goldens[1]!.bytes);
      const fpiBody = goldens[2]!.bytes.subarray(5 + 0x1e);
      expect(inline.subarray(5)).toEqual(fpiBody);
    });

    /*
     * Where "decodeWbxml gives decodeXml of the XML twin" stops holding: markup inside <Data>.
     * decodeXml keeps it as the XML text it is written in; WBXML carries it as tokens, and
     * decodeWbxml writes it back as XML text of its own: `xmlns="…"` (double quotes) on each
     * element whose code page differs from its parent's, `<Name/>` for an element without
     * content, text escaped as &lt; &gt; &amp; with character references resolved, nothing
     * else (no comments, prefixes or white space the tokens do not hold). Same elements and
     * text, other XML text.
     */
    it('markup inside <Data>: decodeWbxml of the twin rebuilds it as its own XML text, the same elements and text', () => {
      const data = "<MetInf xmlns='syncml:metinf'><Format>chr</Format><Type></Type><Mark>a&amp;b &#x41;</Mark></MetInf>";
      const xml =
        "<SyncML xmlns='SYNCML:SYNCML1.2'><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>" +
        '<Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr>' +
        `<SyncBody><Results><CmdID>1</CmdID><CmdRef>1</CmdRef><Item><Data>${data}</Data></Item></Results><Final/></SyncBody></SyncML>`;
      const dataOf = (m: ReturnType<typeof decodeXml>): string | undefined => {
        const c = m.syncBody.commands[0];
        return c?.kind === 'Results' ? c.items[0].data : undefined;
      };
      const fromXml = decodeXml(xml);
      const fromWbxml = decodeWbxml(lib.xml2wbxml(xml, ['-n']));
      expect(dataOf(fromXml)).toBe(data);
      expect(dataOf(fromWbxml)).toBe('<MetInf xmlns="syncml:metinf"><Format>chr</Format><Type/><Mark>a&amp;b A</Mark></MetInf>');
      // Everything else is the same value.
      const withoutData = (m: ReturnType<typeof decodeXml>) => JSON.stringify(m, (k, v) => (k === 'data' ? undefined : v));
      expect(withoutData(fromWbxml)).toBe(withoutData(fromXml));
      // Our own encoders carry the Data as text both ways, so the typed value survives each of them unchanged.
      expect(decodeWbxml(encodeWbxml(fromXml))).toStrictEqual(fromXml);
    });

    it('xml2wbxml of the MetInf document is the hand-built embedded document', () => {
      const doc =
        '<!DOCTYPE MetInf PUBLIC "-//SYNCML//DTD MetInf 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_MetaInfo_DTD-V1_2.dtd">' +
        metInfXml;
      expect(lib.xml2wbxml(doc, ['-n'])).toEqual(metInfDocument);
    });
  });
});
