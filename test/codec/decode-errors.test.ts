/**
 * Decode errors as a user meets them: element paths indexed like XPath for repeatable
 * elements (`/SyncML/SyncBody/Replace[2]/Item[1]`), the same in XML and WBXML; line and
 * column beside the byte offset for XML; and the inputs the decoders take (bytes as a
 * Uint8Array, Buffer or ArrayBuffer, and for XML a string), anything else an ArgumentError.
 */
import { describe, expect, it } from 'vitest';
import { decodeWbxml, decodeXml, encodeWbxml } from '../../src/index.js';
import { isArgumentError, isDecodeError, type ArgumentError, type DecodeError } from '../../src/runtime/errors.js';

const enc = new TextEncoder();
const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';
const msg = (body: string): string => `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody>${body}</SyncBody></SyncML>`;
const replace = (id: number, ...data: string[]): string =>
  `<Replace><CmdID>${id}</CmdID>${data.map((d) => `<Item><Target><LocURI>./x</LocURI></Target><Data>${d}</Data></Item>`).join('')}</Replace>`;

function thrown<T>(f: () => unknown, guard: (e: unknown) => e is T): T {
  try {
    f();
  } catch (e) {
    if (guard(e)) return e;
    throw e;
  }
  throw new Error('no error');
}
const decodeError = (f: () => unknown): DecodeError => thrown(f, isDecodeError);
const argumentError = (f: () => unknown): ArgumentError => thrown(f, isArgumentError);

describe('paths name repeatable elements by their position among same-named siblings', () => {
  // Alert, Replace, Add, Replace: the second Replace's second Item holds text too long.
  const body =
    '<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>' +
    replace(2, 'ok') +
    '<Add><CmdID>3</CmdID><Item><Target><LocURI>./a</LocURI></Target><Data>ok</Data></Item></Add>' +
    replace(4, 'ok', 'far too long');
  const limits = { maxTextLength: 8 };

  it('in XML', () => {
    const e = decodeError(() => decodeXml(msg(body), { limits }));
    expect(e.path).toBe('/SyncML/SyncBody/Replace[2]/Item[2]/Data');
    expect(e.message).toMatch(/^\/SyncML\/SyncBody\/Replace\[2\]\/Item\[2\]\/Data: text of <Data> longer than the limit of 8 characters at line 1, column \d+ \(offset \d+\)$/);
  });

  it('in WBXML, the same path', () => {
    const wbxml = encodeWbxml(decodeXml(msg(body)));
    expect(decodeError(() => decodeWbxml(wbxml, { limits })).path).toBe('/SyncML/SyncBody/Replace[2]/Item[2]/Data');
  });

  it('an error in the element itself, and in its parent after it', () => {
    // The second Item misses nothing but holds an unknown element.
    const doc = msg(replace(1, 'a').replace('</Replace>', '<Item><Bogus/></Item></Replace>'));
    expect(decodeError(() => decodeXml(doc)).path).toBe('/SyncML/SyncBody/Replace[1]/Item[2]');
    // After the second Item has closed: a child out of order is reported in Replace.
    const doc2 = msg(replace(1, 'a', 'b').replace('</Replace>', '<CmdID>9</CmdID></Replace>'));
    expect(decodeError(() => decodeXml(doc2)).path).toBe('/SyncML/SyncBody/Replace[1]');
  });

  it('EMI in Meta, whose children come in any order', () => {
    const meta = '<Meta><EMI>a</EMI><Type>t</Type><EMI>b<x/></EMI></Meta>';
    const doc = msg(`<Replace><CmdID>1</CmdID><Item><Target><LocURI>./x</LocURI></Target>${meta}</Item></Replace>`);
    expect(decodeError(() => decodeXml(doc)).path).toBe('/SyncML/SyncBody/Replace[1]/Item[1]/Meta/EMI[2]');
  });

  it('elements that cannot repeat carry no index', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>').replace('<VerDTD>1.2</VerDTD>', '<VerDTD>1.2<x/></VerDTD>');
    expect(decodeError(() => decodeXml(doc)).path).toBe('/SyncML/SyncHdr/VerDTD');
  });
});

describe('XML errors give line and column beside the byte offset', () => {
  it('counts LF, CR LF and CR as one line end each, and columns from 1', () => {
    const doc = msg('\n<Alert>\r\n<CmdID>1</CmdID>\r<Data>1201</Data>\n  <Bogus/></Alert>');
    const e = decodeError(() => decodeXml(doc));
    expect([e.line, e.column]).toEqual([5, 3]);
    expect(e.offset).toBe(enc.encode(doc.slice(0, doc.indexOf('<Bogus/>'))).length);
    expect(e.message).toBe(`/SyncML/SyncBody/Alert[1]: unknown element <Bogus> in <Alert> at line 5, column 3 (offset ${e.offset})`);
  });

  it('columns count characters, offsets count bytes', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>é€😀 &bogus;</Data></Alert>');
    const e = decodeError(() => decodeXml(enc.encode(doc)));
    expect(e.column).toBe(doc.indexOf('&bogus;') + 1);
    expect(e.offset).toBe(enc.encode(doc.slice(0, doc.indexOf('&bogus;'))).length);
  });

  it('line 1, column 1 for an error at the start', () => {
    const e = decodeError(() => decodeXml('hello'));
    expect([e.line, e.column, e.offset]).toEqual([1, 1, 0]);
  });

  it('WBXML has no lines: only the offset', () => {
    const e = decodeError(() => decodeWbxml(new Uint8Array([0x03])));
    expect([e.line, e.column]).toEqual([undefined, undefined]);
    expect(e.message).toBe('/: truncated multi-byte integer (offset 1)');
  });
});

describe('what the decoders take as input', () => {
  const xml = msg('<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>');
  const value = decodeXml(xml);
  const wbxml = encodeWbxml(value);
  const arrayBufferOf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

  it('decodeXml: a string, a Uint8Array, a Buffer, an ArrayBuffer, a view into a larger buffer', () => {
    const bytes = enc.encode(xml);
    const inLarger = new Uint8Array(bytes.length + 10);
    inLarger.set(bytes, 5);
    for (const input of [xml, bytes, Buffer.from(xml), arrayBufferOf(bytes), inLarger.subarray(5, 5 + bytes.length)]) {
      expect(decodeXml(input)).toStrictEqual(value);
    }
  });

  it('decodeWbxml: a Uint8Array, a Buffer, an ArrayBuffer', () => {
    for (const input of [wbxml, Buffer.from(wbxml), arrayBufferOf(wbxml)]) expect(decodeWbxml(input)).toStrictEqual(value);
  });

  it.each([
    ['a number', 42, 'number'],
    ['null', null, 'null'],
    ['a plain object', { length: 3 }, 'Object'],
    ['an array of bytes', [0x3c], 'Array'],
    ['a DataView', new DataView(new ArrayBuffer(4)), 'DataView'],
    ['an Int8Array', new Int8Array(4), 'Int8Array'],
  ])('anything else is an ArgumentError naming it: %s', (_, input, what) => {
    const x = argumentError(() => decodeXml(input as unknown as string));
    expect([x.argument, x.reason]).toEqual(['input', `must be a Uint8Array, Buffer, ArrayBuffer or string, got ${what}`]);
    const w = argumentError(() => decodeWbxml(input as unknown as Uint8Array));
    expect([w.argument, w.reason]).toEqual(['input', `must be a Uint8Array, Buffer or ArrayBuffer, got ${what}`]);
  });

  it('a string given to decodeWbxml', () => {
    expect(argumentError(() => decodeWbxml('abc' as unknown as Uint8Array)).reason).toBe('must be a Uint8Array, Buffer or ArrayBuffer, got string');
  });
});

describe('the decoders name the other encoding when given it (issue 10 §4, hints)', () => {
  const xml = new TextEncoder().encode(
    '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Final/></SyncBody></SyncML>',
  );

  it('WBXML bytes given to decodeXml', () => {
    for (const strings of ['inline', 'table'] as const) {
      const bytes = encodeWbxml(decodeXml(xml), { strings });
      expect(() => decodeXml(bytes)).toThrow(/^\/: the input starts with 0x03, a WBXML version byte, not XML: read it with decodeWbxml, or decode, which reads both/);
    }
  });

  it('XML bytes given to decodeWbxml, with or without a byte order mark or leading white space', () => {
    for (const prefix of [[], [0xef, 0xbb, 0xbf], [0x0a]]) {
      const bytes = new Uint8Array([...prefix, ...xml]);
      expect(() => decodeWbxml(bytes)).toThrow(/unsupported WBXML version byte 0x(3c|ef|0a) \(1\.1 to 1\.3 are read\): the input looks like XML; read it with decodeXml/);
    }
  });
});
