/**
 * Hostile and broken XML input for the strict SyncML decoder: every refusal must be a
 * DecodeError with a useful reason, the path of the element where the problem is, and
 * (where checked) the UTF-8 byte offset of the problem. Then the liberties the decoder
 * does take with real-world messages, as positive tests.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeXml, type SyncML } from '../../src/index.js';
import { isDecodeError, type DecodeError } from '../../src/runtime/errors.js';
import { resolveLimits, type DecodeLimits } from '../../src/runtime/limits.js';
import { XmlReader } from '../../src/runtime/xml-reader.js';
import { grammar } from '../../generated/grammar.js';
import { decodeMessage } from '../../generated/decoder.js';
import { repoRoot } from '../helpers/validators.js';

type Options = { limits?: Partial<DecodeLimits>; profile?: 'syncml' | 'dm' };

// ---------------------------------------------------------------- helpers

const enc = new TextEncoder();

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>IMEI:493005100592800</LocURI></Target>' +
  '<Source><LocURI>http://www.syncml.org/mgmt-server</LocURI></Source></SyncHdr>';

/** A header whose texts are all short (for small maxTextLength limits). */
const SHORT_HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';

const ALERT = '<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>';

/** A whole message around the SyncBody content `body`. */
function msg(body: string, ns = 'SYNCML:SYNCML1.2', hdr = HDR): string {
  return `<SyncML xmlns="${ns}">${hdr}<SyncBody>${body}</SyncBody></SyncML>`;
}

/** A message with one Replace whose single Item has the given Meta markup and Data content. */
function replaceItem(meta: string, data: string): string {
  return msg(`<Replace><CmdID>2</CmdID><Item><Target><LocURI>./x</LocURI></Target>${meta}<Data>${data}</Data></Item></Replace>`);
}

/** UTF-8 byte offset of the `nth` (0-based) occurrence of `marker` in `doc`. */
function at(doc: string, marker: string, nth = 0): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = doc.indexOf(marker, i + 1);
    if (i < 0) throw new Error(`marker ${marker} #${nth} not in the document`);
  }
  return enc.encode(doc.slice(0, i)).length;
}

/** The error decodeXml throws for `input`; fails the test if it decodes or throws anything else. */
function refusal(input: string | Uint8Array, options?: Options): DecodeError {
  let thrown: unknown;
  try {
    decodeXml(input, options);
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) throw new Error('decoded without an error');
  if (!isDecodeError(thrown)) throw new Error(`threw something other than a DecodeError: ${String(thrown)}`);
  expect(thrown).toBeInstanceOf(Error);
  expect(typeof thrown.offset).toBe('number');
  return thrown;
}

interface Expected {
  reason: RegExp | string;
  path: string;
  offset?: number;
}

function expectRefused(input: string | Uint8Array, expected: Expected, options?: Options): DecodeError {
  const e = refusal(input, options);
  if (typeof expected.reason === 'string') expect(e.reason).toContain(expected.reason);
  else expect(e.reason).toMatch(expected.reason);
  expect(e.path).toBe(expected.path);
  if (expected.offset !== undefined) expect(e.offset).toBe(expected.offset);
  // The offset is always inside the input (or at its end).
  const size = typeof input === 'string' ? enc.encode(input).length : input.length;
  expect(e.offset).toBeGreaterThanOrEqual(0);
  expect(e.offset).toBeLessThanOrEqual(size);
  return e;
}

function concatBytes(...parts: (string | number[])[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const BODY = '/SyncML/SyncBody';

/**
 * What the reader examined before refusing `input` (as decodeXml reads it): characters of
 * its forward pass plus its work counter. A refusal that is "fast" examines little more
 * than the input up to the problem, whatever follows; counted, never timed.
 */
function workUntilRefused(input: string, limits?: Partial<DecodeLimits>): number {
  const r = new XmlReader(input, grammar, resolveLimits(limits));
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

// ---------------------------------------------------------------- DTDs and entities

describe('DOCTYPE and entities: nothing is ever read, fetched or expanded', () => {
  it('refuses a DOCTYPE with an internal subset declaring an external entity (XXE)', () => {
    const doc =
      '<?xml version="1.0"?>\n<!DOCTYPE SyncML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      msg('<Alert><CmdID>1</CmdID><Data>&xxe;</Data></Alert>');
    const e = expectRefused(doc, { reason: /DOCTYPE with an internal subset is refused/, path: '', offset: at(doc, '<!DOCTYPE') });
    expect(e.message).not.toMatch(/root:|daemon/);
  });

  it('refuses an internal subset even after the accepted SyncML public identifier', () => {
    const doc =
      '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "x.dtd" [<!ENTITY xxe SYSTEM "http://evil.example/x">]>' +
      msg('<Alert><CmdID>&xxe;</CmdID></Alert>');
    expectRefused(doc, { reason: /internal subset/, path: '', offset: 0 });
  });

  it('refuses billion laughs before expanding anything, having read only the DOCTYPE', () => {
    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const doc = `<?xml version="1.0"?><!DOCTYPE SyncML [<!ENTITY lol0 "lol">${lol}]>` + msg('<Alert><CmdID>1</CmdID><Data>&lol9;</Data></Alert>');
    expectRefused(doc, { reason: /internal subset/, path: '', offset: at(doc, '<!DOCTYPE') });
    // The XML declaration checked, then up to the "[" of the subset, and the offset of the
    // error (computed once): nothing of the entities.
    expect(workUntilRefused(doc)).toBeLessThanOrEqual(3 * doc.indexOf('['));
  });

  it('refuses the entity references of billion laughs even without their declarations', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>&lol9;</Data></Alert>');
    expectRefused(doc, { reason: 'undefined entity &lol9;', path: `${BODY}/Alert[1]/Data`, offset: at(doc, '&lol9;') });
  });

  it('refuses a DOCTYPE with only a SYSTEM identifier', () => {
    const doc = '<?xml version="1.0"?><!DOCTYPE SyncML SYSTEM "http://evil.example/syncml.dtd">' + msg(ALERT);
    expectRefused(doc, { reason: /only a SYSTEM identifier is refused/, path: '', offset: at(doc, '<!DOCTYPE') });
  });

  it('refuses a DOCTYPE naming an unknown public identifier', () => {
    const doc = '<!DOCTYPE SyncML PUBLIC "-//EVIL//DTD Evil 1.0//EN" "http://evil.example/evil.dtd">' + msg(ALERT);
    expectRefused(doc, { reason: 'unknown public identifier "-//EVIL//DTD Evil 1.0//EN"', path: '', offset: 0 });
  });

  it('refuses a DOCTYPE for another root element', () => {
    expectRefused('<!DOCTYPE html PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "x">' + msg(ALERT), {
      reason: 'DOCTYPE names <html>, expected <SyncML>',
      path: '',
      offset: 0,
    });
  });

  it('refuses an undefined entity reference in text, naming it', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>a &nbsp; b</Data></Alert>');
    expectRefused(doc, { reason: /^undefined entity &nbsp;/, path: `${BODY}/Alert[1]/Data`, offset: at(doc, '&nbsp;') });
  });

  it('refuses an undefined entity reference in an attribute value', () => {
    const doc = msg(ALERT).replace('SYNCML:SYNCML1.2', 'SYNCML:&xxe;');
    expectRefused(doc, { reason: 'undefined entity &xxe;', path: '', offset: at(doc, '&xxe;') });
  });

  it('refuses a bare "&"', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>a & b</Data></Alert>');
    expectRefused(doc, { reason: /"&" that starts no entity/, path: `${BODY}/Alert[1]/Data`, offset: at(doc, '& b') });
  });
});

// ---------------------------------------------------------------- nesting

describe('deep nesting fails fast on maxDepth', () => {
  const N = 100_000;

  it('100k nested <Atomic> commands', () => {
    const doc = msg('<Atomic><CmdID>1</CmdID>'.repeat(N) + ALERT + '</Atomic>'.repeat(N));
    // The root is depth 1, SyncBody 2, the 46th Atomic 48: its CmdID would be the 49th level.
    const e = expectRefused(doc, {
      reason: 'nesting deeper than 48 elements',
      path: BODY + '/Atomic[1]'.repeat(46),
      offset: at(doc, '<CmdID>', 45),
    });
    // Nothing after the refused tag was read (counted, not timed): 2 MB of input, about 1 kB
    // read, then passes up to the error for its byte offset and its line and column.
    expect(workUntilRefused(doc)).toBeLessThanOrEqual(3 * e.offset + 16);
  });

  it('100k nested elements written inline in <Data>', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>' + '<a>'.repeat(N) + '</a>'.repeat(N) + '</Data></Alert>');
    // Data is depth 4, so the 44th <a> would be element 49.
    const e = expectRefused(doc, { reason: 'nesting deeper than 48 elements', path: `${BODY}/Alert[1]/Data`, offset: at(doc, '<a>', 44) });
    expect(workUntilRefused(doc)).toBeLessThanOrEqual(3 * e.offset + 16);
  });

  it('100k unclosed start tags', () => {
    const doc = `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody>` + '<Atomic><CmdID>1</CmdID><Sequence><CmdID>2</CmdID>'.repeat(N / 2);
    const e = expectRefused(doc, { reason: 'nesting deeper than 48 elements', path: BODY + '/Atomic[1]/Sequence[1]'.repeat(23), offset: at(doc, '<CmdID>', 45) });
    expect(workUntilRefused(doc)).toBeLessThanOrEqual(3 * e.offset + 16);
  });

  it('honours a smaller maxDepth', () => {
    const doc = msg('<Atomic><CmdID>1</CmdID>'.repeat(10) + ALERT + '</Atomic>'.repeat(10));
    expectRefused(doc, { reason: 'nesting deeper than 5 elements', path: `${BODY}/Atomic[1]/Atomic[1]/Atomic[1]`, offset: at(doc, '<CmdID>', 2) }, { limits: { maxDepth: 5 } });
    expect(decodeXml(doc, { limits: { maxDepth: 14 } }).syncBody.commands[0]!.kind).toBe('Atomic');
  });
});

// ---------------------------------------------------------------- well-formedness

describe('truncated and unbalanced input', () => {
  const full = msg(ALERT + '<Final/>');
  const cut = (marker: string, extra = 0) => full.slice(0, full.indexOf(marker) + extra);

  const len = (s: string) => enc.encode(s).length;
  const comment = cut('<SyncHdr>') + '<!-- never';
  const cdata = msg('<Alert><CmdID>1</CmdID><Data><![CDATA[abc');
  const entity = msg('<Alert><CmdID>1</CmdID><Data>a &am').slice(0, -'</SyncBody></SyncML>'.length);

  // [case, input, reason, path, offset]
  it.each([
    ['the empty input', '', 'no root element', '', 0],
    ['only white space', ' \n\t', 'no root element', '', 3],
    ['a lone "<"', '<', 'unexpected end of input', '', 1],
    // An unterminated literal or text is reported where it starts; a tag cut short, at the end.
    ['inside an attribute value', '<SyncML xmlns="SYNCML:SYNC', 'unexpected end of input', '', 14],
    ['inside an attribute name', '<SyncML xml', 'unexpected end of input', '', 11],
    ['after "="', '<SyncML xmlns=', 'unexpected end of input', '', 14],
    ['right after the root start tag', cut('<SyncHdr>'), 'unexpected end of input inside <SyncML>', '/SyncML', len(cut('<SyncHdr>'))],
    ['inside a child start tag', cut('<SyncHdr>', 5), 'unexpected end of input inside <SyncML>', '/SyncML', len(cut('<SyncHdr>', 5))],
    ['inside text', cut('<VerDTD>', 10), 'unexpected end of input inside <VerDTD>', '/SyncML/SyncHdr/VerDTD', len(cut('<VerDTD>', 8))],
    ['inside an end tag name', cut('</VerDTD>', 5), 'unexpected end of input inside <VerDTD>', '/SyncML/SyncHdr/VerDTD', len(cut('</VerDTD>', 5))],
    ['after "</"', cut('</VerDTD>', 2), 'unexpected end of input inside <VerDTD>', '/SyncML/SyncHdr/VerDTD', len(cut('</VerDTD>', 2))],
    ['after "<" in text', cut('</VerDTD>', 1), 'unexpected end of input inside <VerDTD>', '/SyncML/SyncHdr/VerDTD', len(cut('</VerDTD>'))],
    ['inside an entity reference', entity, 'unexpected end of input inside <Data>', `${BODY}/Alert[1]/Data`, at(entity, 'a &am')],
    ['inside a self-closing tag', cut('<Final/>', 7), 'unexpected end of input inside <SyncBody>', BODY, len(cut('<Final/>', 6))],
    ['before the root end tag', cut('</SyncML>'), 'unexpected end of input inside <SyncML>', '/SyncML', len(cut('</SyncML>'))],
    ['inside the root end tag', full.slice(0, -1), 'unexpected end of input inside <SyncML>', '/SyncML', len(full) - 1],
    ['inside a comment', comment, 'unterminated comment', '/SyncML', at(comment, '<!--')],
    ['inside a CDATA section', cdata, 'unterminated CDATA section', `${BODY}/Alert[1]/Data`, at(cdata, '<![CDATA[')],
    ['inside the XML declaration', '<?xml version="1.0" enc', 'unterminated XML declaration', '', 0],
  ])('%s', (_, input, reason, path, offset) => {
    expectRefused(input, { reason, path, offset });
  });

  it('refuses an element left open when its parent closes', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>1201</Data></SyncBody></SyncML>').replace('</Alert>', '');
    expectRefused(doc, { reason: 'end tag </SyncBody> does not close <Alert>', path: `${BODY}/Alert[1]`, offset: at(doc, '</SyncBody>') });
  });

  it('refuses a mismatched end tag', () => {
    const doc = msg('<Alert><CmdID>1</CmdId><Data>1201</Data></Alert>');
    expectRefused(doc, { reason: 'end tag </CmdId> does not close <CmdID>', path: `${BODY}/Alert[1]/CmdID`, offset: at(doc, '</CmdId>') });
  });

  it('refuses an end tag whose prefix differs from the start tag', () => {
    const doc = replaceItem('<Meta><m:Type xmlns:m="syncml:metinf">text/plain</Type></Meta>', 'x');
    expectRefused(doc, { reason: 'end tag </Type> does not close <m:Type>', path: `${BODY}/Replace[1]/Item[1]/Meta/Type`, offset: at(doc, '</Type>') });
    const doc2 = replaceItem('<Meta><m:Type xmlns:m="syncml:metinf">text/plain</n:Type></Meta>', 'x');
    expectRefused(doc2, { reason: 'end tag </n:Type> does not close <m:Type>', path: `${BODY}/Replace[1]/Item[1]/Meta/Type`, offset: at(doc2, '</n:Type>') });
  });

  it('refuses a mismatched end tag inside markup written inline in <Data>', () => {
    const doc = replaceItem('', '<a><b></a></b>');
    expectRefused(doc, { reason: 'end tag </a> does not close <b>', path: `${BODY}/Replace[1]/Item[1]/Data`, offset: at(doc, '</a>') });
  });

  it('refuses an undeclared namespace prefix', () => {
    const doc = replaceItem('<Meta><m:Type>text/plain</m:Type></Meta>', 'x');
    expectRefused(doc, { reason: 'undeclared namespace prefix "m" on <m:Type>', path: `${BODY}/Replace[1]/Item[1]/Meta`, offset: at(doc, '<m:Type>') });
  });

  it('refuses a duplicate attribute', () => {
    const doc = msg(ALERT).replace('<SyncML xmlns="SYNCML:SYNCML1.2"', '<SyncML xmlns="SYNCML:SYNCML1.2" xmlns="SYNCML:SYNCML1.2"');
    expectRefused(doc, { reason: 'duplicate attribute xmlns on <SyncML>', path: '', offset: at(doc, 'xmlns', 1) });
  });
});

// ---------------------------------------------------------------- encoding

describe('bad UTF-8 is refused at the byte offset of the bad sequence', () => {
  // Text with multi-byte characters before the bad bytes: the offset counts bytes, not characters.
  const before = msg('<Alert><CmdID>1</CmdID><Data>').replace('</SyncBody></SyncML>', '') + 'é€😀';
  const after = '</Data></Alert></SyncBody></SyncML>';
  const offset = enc.encode(before).length;

  it.each([
    ['overlong "/" in two bytes', [0xc0, 0xaf]],
    ['overlong "/" in three bytes', [0xe0, 0x80, 0xaf]],
    ['overlong NUL in two bytes', [0xc1, 0x80]],
    ['overlong in four bytes', [0xf0, 0x80, 0x80, 0xaf]],
    ['a lone continuation byte', [0x80]],
    ['a continuation byte after a complete sequence', [0xc3, 0xa9, 0xbf]],
    ['a truncated three-byte sequence', [0xe2, 0x82]],
    ['a truncated four-byte sequence', [0xf0, 0x9f, 0x98]],
    ['an encoded high surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['an encoded low surrogate', [0xed, 0xbf, 0xbf]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['the byte 0xFF', [0xff]],
    ['the byte 0xFE', [0xfe]],
  ])('%s', (name, bad) => {
    // A valid sequence before the bad one moves the offset along.
    const skip = name.startsWith('a continuation byte after') ? 2 : 0;
    expectRefused(concatBytes(before, bad, after), { reason: 'invalid UTF-8 byte sequence', path: '', offset: offset + skip });
  });

  it('a sequence cut by the end of input', () => {
    expectRefused(concatBytes(before, [0xf0, 0x9f]), { reason: 'invalid UTF-8 byte sequence', path: '', offset });
  });

  it('counts a UTF-8 BOM in the offset', () => {
    expectRefused(concatBytes([0xef, 0xbb, 0xbf], before, [0x80], after), { reason: 'invalid UTF-8', path: '', offset: offset + 3 });
  });

  it('refuses a lone surrogate in a string input', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>x\uD800y</Data></Alert>');
    expectRefused(doc, { reason: 'character U+D800 is not allowed in XML', path: `${BODY}/Alert[1]/Data`, offset: at(doc, '\uD800') });
    const doc2 = msg('<Alert><CmdID>1</CmdID><Data>x\uDC00</Data></Alert>');
    expectRefused(doc2, { reason: 'character U+DC00 is not allowed', path: `${BODY}/Alert[1]/Data` });
  });

  it('gives the same byte offsets for a string with a BOM as for its UTF-8 bytes', () => {
    const doc = '\uFEFF' + msg('<Alert><CmdID>1</CmdID><Data>é &bogus;</Data></Alert>');
    const fromString = refusal(doc);
    const fromBytes = refusal(enc.encode(doc));
    expect(fromString.offset).toBe(at(doc, '&bogus;'));
    expect(fromBytes).toMatchObject({ reason: fromString.reason, path: fromString.path, offset: fromString.offset });
  });

  it.each([['ISO-8859-1'], ['UTF-16'], ['windows-1252'], ['Shift_JIS']])('refuses the encoding declaration %s', (label) => {
    const doc = `<?xml version="1.0" encoding="${label}"?>` + msg(ALERT);
    expectRefused(doc, { reason: `unsupported encoding "${label}": SyncML XML is read as UTF-8 only`, path: '', offset: 0 });
    expectRefused(enc.encode(doc), { reason: 'unsupported encoding', path: '', offset: 0 });
  });

  it('refuses an XML declaration that is not at the very start', () => {
    const doc = ' <?xml version="1.0"?>' + msg(ALERT);
    expectRefused(doc, { reason: 'XML declaration not at the start of the document', path: '', offset: 1 });
  });
});

// ---------------------------------------------------------------- characters

describe('characters XML does not allow', () => {
  it.each([
    ['&#0;', /character reference &#0; names a character XML does not allow/],
    ['&#x0;', /&#x0;/],
    ['&#1;', /&#1;/],
    ['&#xD800;', /&#xD800;/],
    ['&#xFFFE;', /&#xFFFE;/],
    ['&#x110000;', /&#x110000;/],
    ['&#12a;', /malformed character reference &#12a;/],
    ['&#;', /malformed character reference/],
  ])('refuses the character reference %s', (ref, reason) => {
    const doc = msg(`<Alert><CmdID>1</CmdID><Data>a${ref}b</Data></Alert>`);
    expectRefused(doc, { reason, path: `${BODY}/Alert[1]/Data`, offset: at(doc, ref) });
  });

  it('refuses a raw control character in text', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>é\u0001</Data></Alert>');
    expectRefused(doc, { reason: 'character U+0001 is not allowed in XML', path: `${BODY}/Alert[1]/Data`, offset: at(doc, '\u0001') });
  });

  it('refuses a raw control character in a CDATA section', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data><![CDATA[a\u001Fb]]></Data></Alert>');
    expectRefused(doc, { reason: 'character U+001F is not allowed in XML', path: `${BODY}/Alert[1]/Data`, offset: at(doc, '\u001F') });
  });

  it('refuses a raw control character inside markup written inline in <Data>', () => {
    const doc = replaceItem('', '<a>\u0002</a>');
    expectRefused(doc, { reason: 'character U+0002 is not allowed in XML', path: `${BODY}/Replace[1]/Item[1]/Data`, offset: at(doc, '\u0002') });
  });
});

// ---------------------------------------------------------------- grammar

describe('content models of the DTD', () => {
  it('refuses two <CmdID> in one command', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><CmdID>2</CmdID><Data>1201</Data></Alert>');
    expectRefused(doc, { reason: 'duplicate <CmdID> in <Alert>', path: `${BODY}/Alert[1]`, offset: at(doc, '<CmdID>', 1) });
  });

  it('refuses two <SyncHdr>', () => {
    const doc = `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}${HDR}<SyncBody>${ALERT}</SyncBody></SyncML>`;
    expectRefused(doc, { reason: 'duplicate <SyncHdr> in <SyncML>', path: '/SyncML', offset: at(doc, '<SyncHdr>', 1) });
  });

  it('refuses two <Final>', () => {
    const doc = msg(ALERT + '<Final/><Final/>');
    expectRefused(doc, { reason: 'duplicate <Final> in <SyncBody>', path: BODY, offset: at(doc, '<Final/>', 1) });
  });

  it('refuses two <Type> in one <Meta>, whatever their order', () => {
    const doc = replaceItem('<Meta><Type>a</Type><Format>chr</Format><Type>b</Type></Meta>', 'x');
    expectRefused(doc, { reason: 'duplicate <Type> in <Meta>', path: `${BODY}/Replace[1]/Item[1]/Meta`, offset: at(doc, '<Type>', 1) });
  });

  it('refuses <MsgRef> before <CmdID> in <Status>', () => {
    const doc = msg('<Status><MsgRef>1</MsgRef><CmdID>1</CmdID><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>');
    expectRefused(doc, { reason: 'missing <CmdID> in <Status>, found <MsgRef>', path: `${BODY}/Status[1]`, offset: at(doc, '<MsgRef>') });
  });

  it('refuses a child that comes back after later children (out of order)', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Data>1201</Data><NoResp/></Alert>');
    expectRefused(doc, { reason: '<NoResp> is out of order in <Alert>', path: `${BODY}/Alert[1]`, offset: at(doc, '<NoResp/>') });
    const doc2 = msg('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data><MsgRef>1</MsgRef></Status>');
    expectRefused(doc2, { reason: '<MsgRef> is out of order in <Status>', path: `${BODY}/Status[1]`, offset: at(doc2, '<MsgRef>', 1) });
  });

  it('refuses an unknown element, naming it and its parent', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><Bogus>1</Bogus><Data>1201</Data></Alert>');
    expectRefused(doc, { reason: /^unknown element <Bogus> in <Alert>$/, path: `${BODY}/Alert[1]`, offset: at(doc, '<Bogus>') });
  });

  it('refuses an unknown element inside <Meta> as unknown (not as a namespace problem)', () => {
    const doc = replaceItem('<Meta><Format>chr</Format><Bogus/></Meta>', 'x');
    expectRefused(doc, { reason: /^unknown element <Bogus> in <Meta>$/, path: `${BODY}/Replace[1]/Item[1]/Meta`, offset: at(doc, '<Bogus/>') });
  });

  it('refuses an unknown command in <SyncBody>', () => {
    const doc = msg(ALERT + '<Launch><CmdID>2</CmdID></Launch>');
    expectRefused(doc, { reason: 'unknown element <Launch> in <SyncBody>', path: BODY, offset: at(doc, '<Launch>') });
  });

  it('refuses a known element in the wrong place', () => {
    const doc = msg('<Alert><CmdID>1</CmdID><LocURI>x</LocURI></Alert>');
    expectRefused(doc, { reason: /^<LocURI> is not allowed here in <Alert>/, path: `${BODY}/Alert[1]`, offset: at(doc, '<LocURI>', 2) });
  });

  it('refuses text in an EMPTY element', () => {
    const doc = msg(ALERT + '<Final>x</Final>');
    expectRefused(doc, { reason: '<Final> must be empty', path: `${BODY}/Final`, offset: at(doc, 'x</Final>') });
  });

  it('refuses a child element in an EMPTY element', () => {
    const doc = msg(ALERT + '<Final><Final/></Final>');
    expectRefused(doc, { reason: '<Final> must be empty', path: `${BODY}/Final` });
  });

  it('refuses text in element-only content', () => {
    const doc = msg('<Alert>hello<CmdID>1</CmdID></Alert>');
    expectRefused(doc, { reason: 'text is not allowed in <Alert>, only elements', path: `${BODY}/Alert[1]`, offset: at(doc, 'hello') });
  });

  it('refuses CDATA in element-only content', () => {
    const doc = msg('<Alert><![CDATA[ ]]><CmdID>1</CmdID></Alert>');
    expectRefused(doc, { reason: 'CDATA is not allowed in <Alert>, only elements', path: `${BODY}/Alert[1]`, offset: at(doc, '<![CDATA[') });
  });

  it('refuses markup inside a text-only element other than <Data>', () => {
    const doc = msg('<Alert><CmdID>1<b/></CmdID></Alert>');
    expectRefused(doc, { reason: '<CmdID> holds text only; found markup inside it', path: `${BODY}/Alert[1]/CmdID`, offset: at(doc, '<b/>') });
  });

  it('refuses a missing required child (<Status> without <Data>)', () => {
    const doc = msg('<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd></Status>');
    expectRefused(doc, { reason: /^missing <Data> in <Status>$/, path: `${BODY}/Status[1]`, offset: at(doc, '</Status>') });
  });

  it('refuses a missing required child when the parent is written <X/>', () => {
    const doc = msg('<Status/>');
    expectRefused(doc, { reason: 'missing <CmdID> in <Status>', path: `${BODY}/Status[1]`, offset: at(doc, '<Status/>') });
  });

  it('refuses an empty <SyncBody>, listing the commands it needs', () => {
    const doc = msg('<Final/>');
    expectRefused(doc, { reason: /^missing <Alert> or <Atomic> or .* in <SyncBody>, found <Final>$/, path: BODY, offset: at(doc, '<Final/>') });
  });

  it('refuses a DS-only command with profile "dm", and reads it without', () => {
    const doc = msg('<Sync><CmdID>1</CmdID><Target><LocURI>./contacts</LocURI></Target></Sync><Final/>');
    expectRefused(doc, { reason: /^<Sync> in <SyncBody> is not part of OMA DM \(DS synchronization\)$/, path: BODY, offset: at(doc, '<Sync>') }, { profile: 'dm' });
    const m = decodeXml(doc);
    expect(m.syncBody.commands).toEqual([{ kind: 'Sync', cmdID: '1', target: { locURI: './contacts' }, commands: [] }]);
    expect(decodeXml(doc, { profile: 'syncml' })).toStrictEqual(m);
  });

  it('refuses a DS-only element deep inside a DM command with profile "dm"', () => {
    const doc = msg('<Add><CmdID>1</CmdID><Item><Target><LocURI>./a</LocURI></Target><SourceParent><LocURI>./p</LocURI></SourceParent></Item></Add>');
    expectRefused(doc, { reason: '<SourceParent> in <Item> is not part of OMA DM', path: `${BODY}/Add[1]/Item[1]`, offset: at(doc, '<SourceParent>') }, { profile: 'dm' });
    expect(decodeXml(doc).syncBody.commands[0]).toMatchObject({ kind: 'Add', items: [{ sourceParent: { locURI: './p' } }] });
  });
});

// ---------------------------------------------------------------- namespaces and attributes

describe('namespaces, attributes and the document around the root', () => {
  it('refuses an unknown namespace on the root', () => {
    const doc = msg(ALERT, 'urn:evil');
    expectRefused(doc, { reason: 'unknown namespace "urn:evil"', path: '', offset: at(doc, 'xmlns') });
  });

  it('refuses an unknown namespace on a child', () => {
    const doc = msg('<Alert xmlns="http://www.w3.org/1999/xhtml"><CmdID>1</CmdID></Alert>');
    expectRefused(doc, { reason: 'unknown namespace "http://www.w3.org/1999/xhtml"', path: BODY, offset: at(doc, 'xmlns="http') });
  });

  it('refuses an unknown namespace bound to a prefix', () => {
    const doc = replaceItem('<Meta><m:Type xmlns:m="urn:other">x</m:Type></Meta>', 'x');
    expectRefused(doc, { reason: 'unknown namespace "urn:other"', path: `${BODY}/Replace[1]/Item[1]/Meta`, offset: at(doc, 'xmlns:m') });
  });

  it('refuses a SyncML element declared in the MetInf namespace', () => {
    const doc = msg('<Alert xmlns="syncml:metinf"><CmdID>1</CmdID></Alert>');
    expectRefused(doc, { reason: '<Alert> is in the MetInf namespace, expected SyncML', path: BODY, offset: at(doc, '<Alert') });
  });

  it('refuses a MetInf element declared in the SyncML namespace', () => {
    const doc = replaceItem('<Meta><Format xmlns="SYNCML:SYNCML1.2">chr</Format></Meta>', 'x');
    expectRefused(doc, { reason: '<Format> is in the SyncML namespace, expected MetInf', path: `${BODY}/Replace[1]/Item[1]/Meta`, offset: at(doc, '<Format') });
  });

  it('refuses a root in the MetInf namespace', () => {
    expectRefused(msg(ALERT, 'syncml:metinf'), { reason: '<SyncML> is in the MetInf namespace, expected SyncML', path: '', offset: 0 });
  });

  it('refuses an attribute other than xmlns', () => {
    const doc = msg('<Alert foo="bar"><CmdID>1</CmdID></Alert>');
    expectRefused(doc, { reason: 'attribute foo is not allowed on <Alert>', path: BODY, offset: at(doc, 'foo=') });
    const doc2 = msg(ALERT).replace('<SyncML ', '<SyncML xml:lang="en" ');
    expectRefused(doc2, { reason: 'attribute xml:lang is not allowed on <SyncML>', path: '', offset: at(doc2, 'xml:lang') });
  });

  it('refuses an attribute without a value', () => {
    const doc = msg('<Alert checked><CmdID>1</CmdID></Alert>');
    expectRefused(doc, { reason: 'attribute checked of <Alert> has no value', path: BODY, offset: at(doc, 'checked') });
  });

  it.each([
    ['an element', '<SyncML xmlns="SYNCML:SYNCML1.2"/>'],
    ['text', 'trailing text'],
    ['a second root', msg(ALERT)],
    ['a DOCTYPE', '<!DOCTYPE SyncML>'],
    ['CDATA', '<![CDATA[x]]>'],
  ])('refuses %s after the root element', (_, tail) => {
    const head = msg(ALERT);
    const doc = head + '\n<!-- ok -->\n' + tail;
    expectRefused(doc, { reason: 'content after the root element', path: '', offset: enc.encode(head + '\n<!-- ok -->\n').length });
  });

  it('refuses the wrong root element', () => {
    expectRefused(`<SyncHdr xmlns="SYNCML:SYNCML1.2">${HDR.slice('<SyncHdr>'.length)}`, {
      reason: 'root element is <SyncHdr>, expected <SyncML>',
      path: '',
      offset: 0,
    });
    const doc = '<?xml version="1.0"?>\n<html><body/></html>';
    expectRefused(doc, { reason: 'root element is <html>, expected <SyncML>', path: '', offset: at(doc, '<html>') });
  });

  it('refuses text before the root element', () => {
    expectRefused('hello' + msg(ALERT), { reason: 'text before the root element', path: '', offset: 0 });
  });
});

// ---------------------------------------------------------------- limits

describe('limits given in the options', () => {
  const doc = msg(ALERT + '<Final/>');
  const bytes = enc.encode(doc);

  it('maxBytes (string and bytes), refused before anything is read', () => {
    expectRefused(doc, { reason: /larger than the limit of 100 bytes/, path: '', offset: 0 }, { limits: { maxBytes: 100 } });
    expectRefused(bytes, { reason: `input of ${bytes.length} bytes is larger than the limit of 100 bytes`, path: '', offset: 0 }, { limits: { maxBytes: 100 } });
    expect(decodeXml(bytes, { limits: { maxBytes: bytes.length } })).toStrictEqual(decodeXml(doc));
  });

  it('maxElements', () => {
    // SyncML, SyncHdr, VerDTD, VerProto, SessionID: the sixth element (MsgID) is one too many.
    expectRefused(doc, { reason: 'more than 5 elements', path: '/SyncML/SyncHdr', offset: at(doc, '<MsgID>') }, { limits: { maxElements: 5 } });
    const count = doc.match(/<[A-Za-z]/g)!.length;
    expectRefused(doc, { reason: `more than ${count - 1} elements`, path: BODY, offset: at(doc, '<Final/>') }, { limits: { maxElements: count - 1 } });
    expect(() => decodeXml(doc, { limits: { maxElements: count } })).not.toThrow();
  });

  it('maxElements counts elements written inline in <Data>', () => {
    const inline = replaceItem('', '<a/>'.repeat(1000));
    expectRefused(inline, { reason: 'more than 100 elements', path: `${BODY}/Replace[1]/Item[1]/Data` }, { limits: { maxElements: 100 } });
  });

  it('maxTextLength: plain text, entities, CDATA, mixed, inline markup', () => {
    const limits = { maxTextLength: 10 };
    const data = (content: string) => msg(`<Alert><CmdID>1</CmdID><Data>${content}</Data></Alert>`, 'SYNCML:SYNCML1.2', SHORT_HDR);
    const reason = 'text of <Data> longer than the limit of 10 characters';
    const path = `${BODY}/Alert[1]/Data`;
    for (const content of ['x'.repeat(11), '&amp;'.repeat(11), '<![CDATA[' + 'x'.repeat(11) + ']]>', 'abcdef<![CDATA[ghijk]]>', '<![CDATA[abcdef]]>ghijk', '<a>' + 'x'.repeat(11) + '</a>']) {
      const d = data(content);
      expectRefused(d, { reason, path, offset: at(d, content) }, { limits });
    }
    expect(decodeXml(data('x'.repeat(10)), { limits }).syncBody.commands[0]).toMatchObject({ data: 'x'.repeat(10) });
  });

  it('maxTextLength in a header element', () => {
    const long = msg(ALERT, 'SYNCML:SYNCML1.2', SHORT_HDR.replace('<SessionID>1<', `<SessionID>${'9'.repeat(50)}<`));
    expectRefused(long, { reason: 'text of <SessionID> longer than the limit of 20 characters', path: '/SyncML/SyncHdr/SessionID' }, { limits: { maxTextLength: 20 } });
  });
});

// ---------------------------------------------------------------- tolerance

describe('what the decoder tolerates', () => {
  const canonical = msg(ALERT + '<Final/>');
  const value: SyncML = decodeXml(canonical);

  it('decodes the canonical message as expected', () => {
    expect(value).toStrictEqual({
      syncHdr: {
        verDTD: '1.2',
        verProto: 'DM/1.2',
        sessionID: '1',
        msgID: '1',
        target: { locURI: 'IMEI:493005100592800' },
        source: { locURI: 'http://www.syncml.org/mgmt-server' },
      },
      syncBody: { commands: [{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }], final: true },
    });
  });

  it('white space, comments and processing instructions between elements', () => {
    const spaced = canonical
      .replace(/></g, '>\n  <!-- a comment -->\n\t<')
      .replace('<SyncBody>', '<SyncBody><?app instruction?>\r\n')
      .replace('<VerDTD>1.2</VerDTD>', '<VerDTD>1.2</VerDTD > ');
    expect(decodeXml(spaced)).toStrictEqual(value);
    expect(decodeXml('<!-- before -->\n<?pi?>\n' + canonical + '\n<!-- after -->\n<?pi?>\n')).toStrictEqual(value);
  });

  it('an XML declaration', () => {
    expect(decodeXml('<?xml version="1.0" encoding="UTF-8"?>\n' + canonical)).toStrictEqual(value);
    expect(decodeXml("<?xml version='1.0' encoding='utf-8' standalone='yes'?>" + canonical)).toStrictEqual(value);
    expect(decodeXml('<?xml version="1.0"?>' + canonical)).toStrictEqual(value);
  });

  it('a UTF-8 BOM, in bytes and in a string', () => {
    expect(decodeXml(concatBytes([0xef, 0xbb, 0xbf], '<?xml version="1.0" encoding="UTF-8"?>' + canonical))).toStrictEqual(value);
    expect(decodeXml('\uFEFF' + canonical)).toStrictEqual(value);
  });

  it('the SyncML 1.2 DOCTYPE, which is never fetched', () => {
    const doctype = '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd">';
    expect(decodeXml('<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + '\n' + canonical)).toStrictEqual(value);
    expect(decodeXml(`<!DOCTYPE SyncML PUBLIC '-//SYNCML//DTD SyncML 1.2//EN' 'x.dtd'>` + canonical)).toStrictEqual(value);
    // XML needs the system literal after the public one (it is not fetched either way).
    expectRefused(`<!DOCTYPE SyncML PUBLIC '-//SYNCML//DTD SyncML 1.2//EN'>` + canonical, {
      reason: 'DOCTYPE PUBLIC without a system literal (XML needs both; neither is ever fetched)',
      path: '',
      offset: 0,
    });
  });

  it('the SYNCML:SYNCML1.1 namespace, and namespaces compared without regard to case', () => {
    expect(decodeXml(msg(ALERT + '<Final/>', 'SYNCML:SYNCML1.1'))).toStrictEqual(value);
    expect(decodeXml(msg(ALERT + '<Final/>', 'syncml:syncml1.2'))).toStrictEqual(value);
  });

  describe('MetInf inside Meta', () => {
    const expected = { target: { locURI: './x' }, meta: { type: 'text/plain', format: 'chr', emis: [] }, data: 'x' };
    const item = (meta: string) => (decodeXml(replaceItem(meta, 'x')).syncBody.commands[0] as { items: unknown[] }).items[0];

    it('with xmlns="syncml:metinf" on each element (as the spec writes it)', () => {
      expect(item('<Meta><Type xmlns="syncml:metinf">text/plain</Type><Format xmlns="syncml:metinf">chr</Format></Meta>')).toStrictEqual(expected);
    });

    it('with the namespace written SYNCML:METINF', () => {
      expect(item('<Meta><Type xmlns="SYNCML:METINF">text/plain</Type><Format xmlns="SYNCML:METINF">chr</Format></Meta>')).toStrictEqual(expected);
    });

    it('with the namespace bound to a prefix', () => {
      expect(item('<Meta><m:Type xmlns:m="syncml:metinf">text/plain</m:Type><m:Format xmlns:m="syncml:metinf">chr</m:Format></Meta>')).toStrictEqual(expected);
      expect(item('<Meta xmlns:m="syncml:metinf"><m:Format>chr</m:Format><m:Type>text/plain</m:Type></Meta>')).toStrictEqual(expected);
    });

    it('but not with <Meta> itself put in the MetInf namespace', () => {
      const doc = replaceItem('<Meta xmlns="syncml:metinf"><Format>chr</Format></Meta>', 'x');
      expectRefused(doc, { reason: '<Meta> is in the MetInf namespace, expected SyncML', path: `${BODY}/Replace[1]/Item[1]`, offset: at(doc, '<Meta') });
    });

    it('without any xmlns', () => {
      expect(item('<Meta><Type>text/plain</Type><Format>chr</Format></Meta>')).toStrictEqual(expected);
    });

    it('in any order, giving the same value', () => {
      const a = '<Meta><Format>chr</Format><Type>text/plain</Type><Size>3</Size><EMI>e1</EMI><EMI>e2</EMI><MaxObjSize>9</MaxObjSize><NextNonce>bm9uY2U=</NextNonce></Meta>';
      const b = '<Meta><EMI>e1</EMI><NextNonce>bm9uY2U=</NextNonce><Size>3</Size><MaxObjSize>9</MaxObjSize><Type>text/plain</Type><EMI>e2</EMI><Format>chr</Format></Meta>';
      expect(item(a)).toStrictEqual(item(b));
      expect(item(b)).toStrictEqual({
        target: { locURI: './x' },
        meta: { format: 'chr', type: 'text/plain', size: '3', maxObjSize: '9', nextNonce: 'bm9uY2U=', emis: ['e1', 'e2'] },
        data: 'x',
      });
    });
  });

  describe('<Data>', () => {
    const data = (content: string) => (decodeXml(replaceItem('', content)).syncBody.commands[0] as { items: { data?: string }[] }).items[0]!.data;

    it('CDATA and escaped text give the same value', () => {
      const xml = '<MgmtTree><Node a="1">x & y</Node></MgmtTree>';
      expect(data('<![CDATA[' + xml + ']]>')).toBe(xml);
      expect(data('&lt;MgmtTree&gt;&lt;Node a=&quot;1&quot;&gt;x &amp; y&lt;/Node&gt;&lt;/MgmtTree&gt;')).toBe(xml);
      expect(data('&#60;MgmtTree&#x3E;<![CDATA[<Node a="1">x & y</Node>]]>&lt;/MgmtTree>')).toBe(xml);
    });

    it('an XML document written inline is kept verbatim as text', () => {
      const inline = '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName><Value>1 &amp; 2</Value><X a=\'>\'/></Node><!-- c --></MgmtTree>';
      expect(data(inline)).toBe(inline);
      expect(data('text <b>bold</b> more')).toBe('text <b>bold</b> more');
    });

    it('literal \\r\\n and \\r line ends are normalized to \\n', () => {
      expect(data('a\r\nb\rc\n')).toBe('a\nb\nc\n');
      expect(data('<![CDATA[a\r\nb]]>')).toBe('a\nb');
      expect(data('<a>x\r\ny</a>')).toBe('<a>x\ny</a>');
    });

    it('&#13; is kept as \\r', () => {
      expect(data('a&#13;&#10;b&#xD;')).toBe('a\r\nb\r');
    });

    it('<Data/> and <Data></Data> are the empty string', () => {
      expect(decodeXml(replaceItem('', '').replace('<Data></Data>', '<Data/>')).syncBody.commands[0]).toMatchObject({ items: [{ data: '' }] });
      expect(data('')).toBe('');
    });

    it('comments and processing instructions inside text are dropped', () => {
      expect(data('a<!-- c -->b<?pi x?>c')).toBe('abc');
    });
  });

  it('a spec example with comments between elements and xmlns on each MetInf element', () => {
    const dir = join(repoRoot, 'test', 'fixtures', 'spec');
    const spec = readFileSync(join(dir, '11.1.1-package1.xml'));
    const m = decodeXml(spec, { profile: 'dm' });
    expect(m.syncHdr.cred?.meta).toStrictEqual({ type: 'syncml:auth-basic', format: 'b64', emis: [] });
  });
});
