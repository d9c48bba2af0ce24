/**
 * Line ends in text (XML 1.0, 2.11): every CR LF and every lone CR reads as one LF, in
 * character data, CDATA sections and inline markup, whatever the mix and wherever the
 * pairs fall in the input (the ASCII path rewrites four bytes at a time, so a pair may
 * straddle two words); the same from bytes with non-ASCII text and from a string (the
 * UTF-16 path). A character reference `&#13;` keeps its CR. Speed: bench/xml-text.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeXml } from '../../src/index.js';

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';
const doc = (data: string): string =>
  `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data><Item><Data>${data}</Data></Item></Alert><Final/></SyncBody></SyncML>`;
const reference = (t: string): string => t.replace(/\r\n?/g, '\n');

function dataOf(input: Uint8Array | string): string {
  const alert = decodeXml(input, { limits: { maxTextLength: 1 << 20 } }).syncBody.commands[0]!;
  if (alert.kind !== 'Alert') throw new Error('not an Alert');
  return alert.items[0]!.data!;
}

/** Text of line ends and letters, ASCII or not, with a prefix of 0 to 3 letters to move the pairs across word boundaries. */
const text = (alphabet: readonly string[]): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom('', 'a', 'ab', 'abc'), fc.array(fc.constantFrom(...alphabet), { maxLength: 200 })).map(([p, cs]) => p + cs.join(''));

describe('line ends read as LF (XML 1.0, 2.11)', () => {
  it('ASCII text, from bytes: any mix of CR, LF, CR LF', () => {
    fc.assert(
      fc.property(text(['a', '\r', '\n', '\r\n', 'xyzw']), (t) => {
        expect(dataOf(new TextEncoder().encode(doc(t)))).toBe(reference(t));
      }),
      { numRuns: 400 },
    );
  });

  it('non-ASCII text from bytes, and any text from a string', () => {
    fc.assert(
      fc.property(text(['a', 'é', '€', '\r', '\n', '\r\n']), fc.boolean(), (t, asString) => {
        const xml = doc(t);
        expect(dataOf(asString ? xml : new TextEncoder().encode(xml))).toBe(reference(t));
      }),
      { numRuns: 300 },
    );
  });

  it('in CDATA sections and references beside them; &#13; keeps its CR', () => {
    fc.assert(
      fc.property(text(['a', '\r', '\n', '\r\n']), text(['b', '\r', '\r\n']), (t, u) => {
        expect(dataOf(new TextEncoder().encode(doc(`${t}<![CDATA[${u}]]>&amp;&#13;${t}`)))).toBe(`${reference(t)}${reference(u)}&\r${reference(t)}`);
      }),
      { numRuns: 200 },
    );
  });

  it('long runs: 100,000 lone CRs, dense CR LF, and a pair on every word boundary', () => {
    const lone = 'a\r'.repeat(100_000);
    expect(dataOf(new TextEncoder().encode(doc(lone)))).toBe('a\n'.repeat(100_000));
    const dense = 'a\r\n'.repeat(60_000) + 'b\r';
    expect(dataOf(new TextEncoder().encode(doc(dense)))).toBe('a\n'.repeat(60_000) + 'b\n');
    // The first pair comes after many words without one: the aligned in-place pass, then the moving one.
    const late = 'abcd'.repeat(5000) + 'abc\r' + '\nabc' + '\r\r\n\n'.repeat(100);
    expect(dataOf(new TextEncoder().encode(doc(late)))).toBe(reference(late));
    // The same through the UTF-16 path (two units at a time), from bytes and from a string.
    for (const t of ['é\r'.repeat(50_000), 'é€😀\r'.repeat(20_000) + '\r\n', 'éabc'.repeat(5000) + 'é\r' + '\n😀' + '\r\r\n\n'.repeat(100)]) {
      expect(dataOf(new TextEncoder().encode(doc(t)))).toBe(reference(t));
      expect(dataOf(doc(t))).toBe(reference(t));
    }
  });
});
