/**
 * Hostile input costs no more per byte in a large document than in a small one: for every
 * generator of hostile input below, the decoders' work per input byte stays flat as the
 * input grows sixteenfold. Work is counted, never timed: the input length (one forward
 * pass) plus the `work` counter each reader keeps of what it examines beyond that pass
 * (text passes, namespace bindings made and undone, string-table strings, embedded
 * documents). A structure that is copied or searched per element (the prefix map copied
 * for each element declaring one more prefix, a duplicate check by a search over the
 * declarations) shows up there as work per byte that grows with the input.
 */
import { describe, expect, it } from 'vitest';
import { XmlReader } from '../../src/runtime/xml-reader.js';
import { WbxmlReader } from '../../src/runtime/wbxml-reader.js';
import { resolveLimits, type DecodeLimits } from '../../src/runtime/limits.js';
import { grammar, wbxmlGrammar } from '../../generated/grammar.js';
import { decodeMessage } from '../../generated/decoder.js';

const enc = new TextEncoder();

/** Input units plus the reader's work, decoding `input` to the end (it must decode). */
function xmlWork(input: string, limits: Partial<DecodeLimits>): number {
  const bytes = enc.encode(input);
  const r = new XmlReader(bytes, grammar, resolveLimits(limits));
  r.openRoot();
  decodeMessage(r);
  r.finish();
  return bytes.length + r.work;
}

function wbxmlWork(bytes: Uint8Array, limits: Partial<DecodeLimits>): number {
  const r = new WbxmlReader(bytes, wbxmlGrammar, resolveLimits(limits));
  r.openRoot();
  decodeMessage(r);
  r.finish();
  return bytes.length + r.work;
}

/** Sizes: n, 4n, 16n repetitions of a generator's unit. */
const SCALES = [1, 4, 16] as const;

/**
 * Work per byte at each scale. The claim: at 16n it is at most 10 % (plus a small constant
 * for the fixed part of small inputs) above its value at n, and never more than 12 per byte
 * (a fixed number of passes).
 */
function expectFlat(perByte: readonly number[]): void {
  const [small, , large] = perByte as [number, number, number];
  expect(large, `work per byte ${perByte.map((v) => v.toFixed(3)).join(' → ')}`).toBeLessThanOrEqual(small * 1.1 + 0.05);
  for (const v of perByte) expect(v).toBeLessThanOrEqual(12);
}

// ---------------------------------------------------------------- XML

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';

function msg(body: string, rootAttributes = ''): string {
  return `<SyncML xmlns="SYNCML:SYNCML1.2"${rootAttributes}>${HDR}<SyncBody>${body}</SyncBody></SyncML>`;
}

const alertWith = (items: string, data = '1201'): string => `<Alert><CmdID>1</CmdID><Data>${data}</Data>${items}</Alert>`;
const dataItem = (data: string): string => alertWith(`<Item><Data>${data}</Data></Item>`);

const big = { maxAttributes: 1 << 20, maxNamespaceDeclarations: 1 << 20, maxElements: 1 << 24, maxDepth: 256 };

/** Generators of hostile XML: the unit count n to a document. */
const xmlGenerators: Record<string, (n: number) => string> = {
  // One tag with many prefixes: a duplicate check by search is quadratic here.
  'many xmlns:p declarations on one tag': (n) =>
    msg(alertWith(''), Array.from({ length: 1000 * n }, (_, i) => ` xmlns:p${i}="syncml:metinf"`).join('')),
  // Many prefixes on the root, then many elements each declaring one more: a prefix map
  // copied per such element is quadratic here.
  'prefixes on the root, many elements declaring one more': (n) =>
    msg(
      alertWith('<Item xmlns:z="syncml:metinf"/>'.repeat(2000 * n)),
      Array.from({ length: 500 * n }, (_, i) => ` xmlns:p${i}="syncml:metinf"`).join(''),
    ),
  'the same prefix bound again on every level of deep nesting': (n) =>
    msg(Array.from({ length: 20 * n }, () => '<Atomic xmlns:m="syncml:metinf"><CmdID>1</CmdID>'.repeat(100) + alertWith('') + '</Atomic>'.repeat(100)).join('')),
  'default namespace declared on every MetInf element': (n) =>
    msg(alertWith('<Item><Meta><Type xmlns="syncml:metinf">a</Type><Format xmlns="syncml:metinf">b</Format></Meta></Item>'.repeat(500 * n))),
  'prefixed MetInf elements under a prefix bound on Meta': (n) =>
    msg(alertWith('<Item><Meta xmlns:m="syncml:metinf"><m:Type>a</m:Type><m:Format>b</m:Format></Meta></Item>'.repeat(500 * n))),
  'CR line ends': (n) => msg(dataItem('a\r'.repeat(20_000 * n))),
  'CR LF line ends, non-ASCII': (n) => msg(dataItem('é\r\n'.repeat(10_000 * n))),
  'entity and character references': (n) => msg(dataItem('&amp;&#x41;&lt;&#65;&quot;'.repeat(4000 * n))),
  'comments and processing instructions inside text': (n) => msg(dataItem('a<!--c-->b<?p x?>'.repeat(4000 * n))),
  'CDATA sections': (n) => msg(dataItem('<![CDATA[a\rb]]>x'.repeat(4000 * n))),
  'markup written inline in Data, nested': (n) => msg(dataItem(('<a b="1">'.repeat(40) + 'x' + '</a>'.repeat(40)).repeat(100 * n))),
  'many elements': (n) => msg(alertWith('<Item><Data>x</Data></Item>'.repeat(3000 * n))),
  'deep nesting, repeated': (n) =>
    msg(Array.from({ length: 20 * n }, () => '<Atomic><CmdID>1</CmdID>'.repeat(200) + alertWith('') + '</Atomic>'.repeat(200)).join('')),
  'white space and comments between elements': (n) => msg(alertWith('<Item>\r\n <!-- c --> <Data>x</Data>\r\n</Item>\n'.repeat(2000 * n))),
};

describe('XML decode work per byte does not grow with the input', () => {
  for (const [name, gen] of Object.entries(xmlGenerators)) {
    it(name, () => {
      const perByte = SCALES.map((k) => {
        const doc = gen(k);
        return xmlWork(doc, { ...big, maxBytes: 64 << 20 }) / enc.encode(doc).length;
      });
      expectFlat(perByte);
    });
  }
});

// ---------------------------------------------------------------- WBXML

const STR_I = (s: string): number[] => [0x03, ...enc.encode(s), 0x00];
const HEADER = [0x03, 0xa4, 0x01, 0x6a];
const SYNC_HDR = [
  0x6c,
  [0x71, STR_I('1.2'), 0x01],
  [0x72, STR_I('DM/1.2'), 0x01],
  [0x65, STR_I('1'), 0x01],
  [0x5b, STR_I('1'), 0x01],
  [0x6e, 0x57, STR_I('t'), 0x01, 0x01],
  [0x67, 0x57, STR_I('s'), 0x01, 0x01],
  0x01,
].flat(2);

function wbxml(table: readonly number[], body: readonly number[]): Uint8Array {
  return new Uint8Array([...HEADER, ...mbUint32(table.length), ...table, 0x6d, ...SYNC_HDR, 0x6b, ...body, 0x01, 0x01]);
}

function mbUint32(v: number): number[] {
  const out = [v & 0x7f];
  for (v >>>= 7; v > 0; v >>>= 7) out.unshift(0x80 | (v & 0x7f));
  return out;
}

/** <Alert><CmdID>1</CmdID><Data>1201</Data> items </Alert> */
const alertBytes = (items: readonly number[]): number[] => [0x46, 0x4b, ...STR_I('1'), 0x01, 0x4f, ...STR_I('1201'), 0x01, ...items, 0x01];
const repeat = (unit: readonly number[], n: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (const b of unit) out.push(b);
  return out;
};
/** <Item><Data> content </Data></Item> */
const dataItemBytes = (content: readonly number[]): number[] => [0x54, 0x4f, ...content, 0x01, 0x01];
/** A MetInf document holding <Type>x</Type>, as an OPAQUE embedded document. */
const EMBEDDED = [0x03, 0xa4, 0x02, 0x6a, 0x00, 0x00, 0x01, 0x4e, 0x53, ...STR_I('x'), 0x01, 0x01];

const wbxmlGenerators: Record<string, (n: number) => Uint8Array> = {
  'many elements': (n) => wbxml([], alertBytes(repeat(dataItemBytes(STR_I('x')), 3000 * n))),
  'long inline strings': (n) => wbxml([], alertBytes(dataItemBytes(STR_I('a'.repeat(50_000 * n))))),
  'one table string referenced many times': (n) => {
    const table = [...enc.encode('a'.repeat(40)), 0x00];
    return wbxml(table, alertBytes(repeat(dataItemBytes([0x83, 0x00]), 3000 * n)));
  },
  'table strings each referenced once': (n) => {
    const table: number[] = [];
    const refs: number[] = [];
    for (let i = 0; i < 2000 * n; i++) {
      refs.push(...dataItemBytes([0x83, ...mbUint32(table.length)]));
      table.push(...enc.encode(`s${i}`), 0x00);
    }
    return wbxml(table, alertBytes(refs));
  },
  // References to every offset inside one long string: decoding the string again from each
  // offset is quadratic (below the cap on all text, maxBytes).
  'references to every offset of one long table string': (n) => {
    const table = [...enc.encode('a'.repeat(400 * n)), 0x00];
    const refs: number[] = [];
    for (let k = 0; k < 400 * n; k++) refs.push(...dataItemBytes([0x83, ...mbUint32(k)]));
    return wbxml(table, alertBytes(refs));
  },
  'the same, offsets from the last to the first': (n) => {
    const table = [...enc.encode('a'.repeat(400 * n)), 0x00];
    const refs: number[] = [];
    for (let k = 400 * n - 1; k >= 0; k--) refs.push(...dataItemBytes([0x83, ...mbUint32(k)]));
    return wbxml(table, alertBytes(refs));
  },
  'the same in a non-ASCII string (every character boundary)': (n) => {
    const text = 'é'.repeat(200 * n);
    const table = [...enc.encode(text), 0x00];
    const refs: number[] = [];
    for (let k = 0; k < 400 * n; k += 2) refs.push(...dataItemBytes([0x83, ...mbUint32(k)]));
    return wbxml(table, alertBytes(refs));
  },
  'offsets inside several long strings, in turn': (n) => {
    const strings = 8;
    const len = 100 * n;
    const table: number[] = [];
    for (let i = 0; i < strings; i++) table.push(...enc.encode(String.fromCharCode(0x61 + i).repeat(len)), 0x00);
    const refs: number[] = [];
    for (let k = 0; k < len; k += 2) for (let i = 0; i < strings; i++) refs.push(...dataItemBytes([0x83, ...mbUint32(i * (len + 1) + k)]));
    return wbxml(table, alertBytes(refs));
  },
  'code pages switched back and forth': (n) =>
    wbxml([], alertBytes(repeat([0x54, 0x5a, 0x00, 0x01, 0x53, ...STR_I('t'), 0x01, 0x47, ...STR_I('f'), 0x01, 0x00, 0x00, 0x01, 0x01], 2000 * n))),
  'many ENTITY tokens in one text': (n) => wbxml([], alertBytes(dataItemBytes(repeat([0x02, 0x81, 0x00], 10_000 * n)))),
  'embedded documents in OPAQUE': (n) => wbxml([], alertBytes(repeat(dataItemBytes([0xc3, EMBEDDED.length, ...EMBEDDED]), 1000 * n))),
  'markup in Data, nested': (n) => wbxml([], alertBytes(dataItemBytes(repeat([...repeat([0x4f], 40), ...STR_I('x'), ...repeat([0x01], 40)], 100 * n)))),
  'deep nesting, repeated': (n) =>
    wbxml([], repeat([...repeat([0x48, 0x4b, ...STR_I('1'), 0x01], 200), ...alertBytes([]), ...repeat([0x01], 200)], 20 * n)),
};

describe('WBXML decode work per byte does not grow with the input', () => {
  for (const [name, gen] of Object.entries(wbxmlGenerators)) {
    it(name, () => {
      const perByte = SCALES.map((k) => {
        const bytes = gen(k);
        return wbxmlWork(bytes, { ...big, maxBytes: 64 << 20 }) / bytes.length;
      });
      expectFlat(perByte);
    });
  }
});
