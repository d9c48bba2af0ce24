/**
 * Decode limits as callers give them: absent or undefined is the default, anything else
 * must be a usable integer (else an ArgumentError at the call, before any input is read),
 * and each limit holds in both decoders: maxAttributes and maxNamespaceDeclarations,
 * maxBytes for a string by its UTF-8 length, maxTextLength on the decoded text.
 */
import { describe, expect, it } from 'vitest';
import { decodeWbxml, decodeXml, encodeWbxml } from '../../src/index.js';
import { ArgumentError, isArgumentError, isDecodeError, type DecodeError } from '../../src/runtime/errors.js';
import { defaultDecodeLimits, MAX_DEPTH_CEILING, resolveLimits, type DecodeLimits } from '../../src/runtime/limits.js';

const enc = new TextEncoder();

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';
const ALERT = '<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>';
const msg = (body: string, rootAttributes = ''): string => `<SyncML xmlns="SYNCML:SYNCML1.2"${rootAttributes}>${HDR}<SyncBody>${body}</SyncBody></SyncML>`;
const dataOf = (doc: string, limits?: Partial<DecodeLimits>): string | undefined =>
  (decodeXml(doc, { limits }).syncBody.commands[0] as { data?: string }).data;
const withData = (data: string): string => msg(`<Alert><CmdID>1</CmdID><Data>${data}</Data></Alert>`);

function refusal(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (isDecodeError(e)) return e;
    throw e;
  }
  throw new Error('decoded without an error');
}

function argumentError(f: () => unknown): ArgumentError {
  try {
    f();
  } catch (e) {
    if (isArgumentError(e)) return e;
    throw e;
  }
  throw new Error('no ArgumentError');
}

const nested = (levels: number): string => msg('<Atomic><CmdID>1</CmdID>'.repeat(levels) + ALERT + '</Atomic>'.repeat(levels));
const wbxmlMessage = encodeWbxml(decodeXml(msg(ALERT)));

describe('limits given as undefined are the defaults', () => {
  it('resolveLimits fills every undefined limit with its default', () => {
    const undefinedLimits: Partial<DecodeLimits> = {
      maxBytes: undefined,
      maxDepth: undefined,
      maxElements: undefined,
      maxTextLength: undefined,
      maxAttributes: undefined,
      maxNamespaceDeclarations: undefined,
    };
    expect(resolveLimits(undefinedLimits)).toStrictEqual(defaultDecodeLimits);
    expect(resolveLimits({ maxDepth: undefined, maxElements: 7 })).toStrictEqual({ ...defaultDecodeLimits, maxElements: 7 });
    expect(resolveLimits(undefined)).toBe(defaultDecodeLimits);
  });

  it('maxDepth undefined: 10,000 nested commands are refused at depth 48 (XML and WBXML), not a stack overflow', () => {
    const doc = nested(10_000);
    for (const input of [doc, enc.encode(doc)]) {
      const e = refusal(() => decodeXml(input, { limits: { maxDepth: undefined } }));
      expect(e.reason).toBe('nesting deeper than 48 elements');
    }
    // The WBXML of the 40-level message, its innermost level repeated to 10,000.
    const head = encodeWbxml(decodeXml(nested(1)), { strings: 'inline' });
    const atomic = [0x48, 0x4b, 0x03, 0x31, 0x00, 0x01]; // <Atomic><CmdID>1</CmdID>
    const at = Buffer.from(head).indexOf(Buffer.from(atomic));
    const deep = new Uint8Array([...head.subarray(0, at), ...Array.from({ length: 10_000 }, () => atomic).flat()]);
    expect(refusal(() => decodeWbxml(deep, { limits: { maxDepth: undefined } })).reason).toBe('nesting deeper than 48 elements');
  });

  it('maxBytes, maxElements and maxTextLength undefined still hold at their defaults', () => {
    const limits = { maxBytes: undefined, maxElements: undefined, maxTextLength: undefined };
    // One character past the default text limit (the input stays within maxBytes).
    const long = withData('x'.repeat(defaultDecodeLimits.maxTextLength + 1));
    expect(refusal(() => decodeXml(long, { limits })).reason).toBe(`text of <Data> longer than the limit of ${defaultDecodeLimits.maxTextLength} characters`);
    // Past maxBytes: refused before reading (the string is not even scanned).
    const huge = ' '.repeat(defaultDecodeLimits.maxBytes + 1);
    expect(refusal(() => decodeXml(huge, { limits })).reason).toMatch(/larger than the limit of 33554432 bytes/);
    expect(refusal(() => decodeWbxml(new Uint8Array(defaultDecodeLimits.maxBytes + 1), { limits })).reason).toMatch(/larger than the limit of 33554432 bytes/);
  });
});

describe('a limit that is not a usable integer is an ArgumentError at the call', () => {
  it.each([
    ['maxDepth', Number.NaN],
    ['maxDepth', Number.POSITIVE_INFINITY],
    ['maxBytes', -1],
    ['maxBytes', 0],
    ['maxElements', 1.5],
    ['maxTextLength', -1],
    ['maxAttributes', Number.MAX_VALUE],
    ['maxNamespaceDeclarations', '10'],
    ['maxDepth', null],
  ])('%s: %s', (name, value) => {
    const limits = { [name]: value } as unknown as Partial<DecodeLimits>;
    for (const decode of [() => decodeXml(msg(ALERT), { limits }), () => decodeWbxml(wbxmlMessage, { limits })]) {
      const e = argumentError(decode);
      expect(e.argument).toBe(`options.limits.${name}`);
      expect(e.reason).toMatch(/^must be an integer of at least [01], got /);
      expect(e.message).toContain(`options.limits.${name} must be an integer`);
    }
  });

  it('an unknown limit (a typo) is refused too', () => {
    const e = argumentError(() => decodeXml(msg(ALERT), { limits: { maxDepht: 3 } as unknown as Partial<DecodeLimits> }));
    expect(e.argument).toBe('options.limits.maxDepht');
    expect(e.reason).toMatch(/^is not a limit/);
  });

  it('limits that are not an object', () => {
    expect(argumentError(() => decodeXml(msg(ALERT), { limits: 5 as unknown as Partial<DecodeLimits> })).argument).toBe('options.limits');
  });

  it('0 is allowed where it means "none": maxTextLength, maxAttributes, maxNamespaceDeclarations', () => {
    expect(refusal(() => decodeXml(msg(ALERT), { limits: { maxTextLength: 0 } })).reason).toBe('text of <VerDTD> longer than the limit of 0 characters');
    expect(refusal(() => decodeXml(msg(ALERT), { limits: { maxNamespaceDeclarations: 0 } })).reason).toBe('more than 0 namespace declarations in scope');
    expect(refusal(() => decodeXml(msg(ALERT), { limits: { maxAttributes: 0 } })).reason).toBe('more than 0 attributes on <SyncML>');
  });

  it('maxDepth above the ceiling is the ceiling', () => {
    expect(resolveLimits({ maxDepth: 1e6 }).maxDepth).toBe(MAX_DEPTH_CEILING);
    expect(refusal(() => decodeXml(nested(1000), { limits: { maxDepth: 1e6 } })).reason).toBe(`nesting deeper than ${MAX_DEPTH_CEILING} elements`);
  });
});

describe('maxAttributes and maxNamespaceDeclarations', () => {
  const prefixes = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => ` xmlns:p${from + i}="syncml:metinf"`).join('');

  it('maxAttributes counts the attributes of one start tag', () => {
    const doc = msg(ALERT, prefixes(2));
    expect(() => decodeXml(doc, { limits: { maxAttributes: 3 } })).not.toThrow();
    const e = refusal(() => decodeXml(doc, { limits: { maxAttributes: 2 } }));
    expect([e.reason, e.path, e.offset]).toEqual(['more than 2 attributes on <SyncML>', '', doc.indexOf('xmlns:p1')]);
  });

  it('the default maxAttributes is 64', () => {
    expect(() => decodeXml(msg(ALERT, prefixes(63)))).not.toThrow();
    expect(refusal(() => decodeXml(msg(ALERT, prefixes(64)))).reason).toBe('more than 64 attributes on <SyncML>');
  });

  it('maxNamespaceDeclarations counts the declarations in scope, on all open elements', () => {
    // 3 on the root (xmlns and two prefixes), then 2 on Alert: 5 in scope inside Alert.
    const doc = msg(`<Alert${prefixes(2, 10)}><CmdID>1</CmdID><Data>1201</Data></Alert>`, prefixes(2));
    expect(() => decodeXml(doc, { limits: { maxNamespaceDeclarations: 5 } })).not.toThrow();
    const e = refusal(() => decodeXml(doc, { limits: { maxNamespaceDeclarations: 4 } }));
    expect([e.reason, e.path, e.offset]).toEqual(['more than 4 namespace declarations in scope', '/SyncML/SyncBody', doc.indexOf('xmlns:p11')]);
  });

  it('declarations go out of scope with their element', () => {
    // Three siblings with two declarations each, under a root with one: never more than 3.
    const item = `<Item${prefixes(2)}><Data>x</Data></Item>`;
    const doc = msg(`<Alert><CmdID>1</CmdID><Data>1201</Data>${item}${item}${item}</Alert>`);
    expect(() => decodeXml(doc, { limits: { maxNamespaceDeclarations: 3 } })).not.toThrow();
    expect(refusal(() => decodeXml(doc, { limits: { maxNamespaceDeclarations: 2 } })).reason).toBe('more than 2 namespace declarations in scope');
  });

  it('a prefix bound again inside an element, and the outer binding back after it', () => {
    // m is SyncML on the root, MetInf inside Meta, SyncML again for <m:Data> after Meta.
    const doc = msg(
      '<m:Alert><m:CmdID>1</m:CmdID><m:Data>1201</m:Data><m:Item><Meta xmlns:m="syncml:metinf"><m:Type>t</m:Type></Meta><m:Data>d</m:Data></m:Item></m:Alert>',
      ' xmlns:m="SYNCML:SYNCML1.2"',
    );
    expect(decodeXml(doc).syncBody.commands[0]).toStrictEqual({ kind: 'Alert', cmdID: '1', data: '1201', items: [{ meta: { type: 't', emis: [] }, data: 'd' }] });
  });

  it('the same prefix twice on one tag is a duplicate attribute; on a child it is not', () => {
    const doc = msg(ALERT, ' xmlns:a="syncml:metinf" xmlns:b="syncml:metinf" xmlns:a="syncml:metinf"');
    const e = refusal(() => decodeXml(doc));
    expect([e.reason, e.offset]).toEqual(['duplicate attribute xmlns:a on <SyncML>', doc.lastIndexOf('xmlns:a')]);
    expect(() => decodeXml(msg(`<Alert xmlns:a="syncml:metinf"><CmdID>1</CmdID><Data>1</Data></Alert>`, ' xmlns:a="syncml:metinf"'))).not.toThrow();
  });
});

describe('maxBytes and maxTextLength measure what the message is', () => {
  it('a string input is measured by its UTF-8 length', () => {
    // 100 × "€" is 100 UTF-16 units and 300 UTF-8 bytes.
    const doc = withData('€'.repeat(100));
    const bytes = enc.encode(doc).length;
    expect(doc.length).toBeLessThan(bytes - 150);
    for (const input of [doc, enc.encode(doc)]) {
      expect(refusal(() => decodeXml(input, { limits: { maxBytes: bytes - 1 } })).reason).toMatch(/larger than the limit of \d+ bytes/);
      expect(dataOf(typeof input === 'string' ? input : doc, { maxBytes: bytes })).toBe('€'.repeat(100));
    }
  });

  it('maxTextLength counts the text after entity decoding (as WBXML does)', () => {
    // (The longest text of the header is "DM/1.2", 6 characters.)
    expect(dataOf(withData('&amp;'.repeat(6)), { maxTextLength: 6 })).toBe('&'.repeat(6));
    expect(dataOf(withData('&#x41;&#66;'.repeat(5)), { maxTextLength: 10 })).toBe('AB'.repeat(5));
    expect(refusal(() => decodeXml(withData('&amp;'.repeat(7)), { limits: { maxTextLength: 6 } })).reason).toBe('text of <Data> longer than the limit of 6 characters');
  });

  it('maxTextLength counts the text after line-end normalization', () => {
    expect(dataOf(withData('a\r\n'.repeat(5)), { maxTextLength: 10 })).toBe('a\n'.repeat(5));
    expect(dataOf(withData('<b>a\r\n</b>'), { maxTextLength: 9 })).toBe('<b>a\n</b>');
    expect(refusal(() => decodeXml(withData('<b>a\r\n</b>'), { limits: { maxTextLength: 8 } })).reason).toBe('text of <Data> longer than the limit of 8 characters');
  });

  it('and the same text in WBXML is held to the same limit', () => {
    const xml = withData('&amp;'.repeat(8));
    const wbxml = encodeWbxml(decodeXml(xml));
    expect(decodeWbxml(wbxml, { limits: { maxTextLength: 8 } })).toStrictEqual(decodeXml(xml, { limits: { maxTextLength: 8 } }));
    expect(() => decodeWbxml(wbxml, { limits: { maxTextLength: 7 } })).toThrow(/longer than the limit of 7/);
    expect(() => decodeXml(xml, { limits: { maxTextLength: 7 } })).toThrow(/longer than the limit of 7/);
  });
});

describe('line ends', () => {
  it.each([
    ['a\rb', 'a\nb'],
    ['a\r\nb', 'a\nb'],
    ['a\r\r\nb\n\r', 'a\n\nb\n\n'],
    ['\r', '\n'],
    ['é\r\n😀\r', 'é\n😀\n'],
    ['a\r&amp;\r\n&#13;', 'a\n&\n\r'],
    ['x\r<![CDATA[\ny\r\n]]>\r', 'x\n\ny\n\n'],
  ])('%j reads as %j', (raw, text) => {
    expect(dataOf(withData(raw))).toBe(text);
    expect(dataOf(withData(raw.repeat(100)))).toBe(text.repeat(100));
  });
});
