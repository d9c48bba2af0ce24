/**
 * Text with references is decoded in one pass over its units (issue 10 §1: `&amp;`-dense
 * text near the plain-text rate): from the bytes of ASCII input, from UTF-16 units
 * otherwise (a string input, or non-ASCII bytes), anything the pass does not take left to
 * the general path. Every way gives the text an independent reading of XML 1.0, 2.11 (line
 * ends) and 4.1 (references) gives, and the same DecodeError (reason, path and offset) and
 * lenient slips from bytes as from a string.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeXml, isDecodeError, type DecodeWarning } from '../../src/index.js';

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';

const doc = (data: string): string =>
  `<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data><Item><Data>${data}</Data></Item></Alert><Final/></SyncBody></SyncML>`;

type Outcome = { data: string | undefined } | { error: { reason: string; path: string; offset: number } };

function outcome(f: () => { syncBody: { commands: unknown[] } }): Outcome {
  try {
    const command = f().syncBody.commands[0] as { items: { data?: string }[] };
    return { data: command.items[0]!.data };
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    return { error: { reason: e.reason, path: e.path, offset: e.offset } };
  }
}

/** Pieces of text: plain runs, every reference form, line ends, and what is refused. */
const piece = fc.constantFrom(
  'a',
  'xyz',
  ' ',
  '\t',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x41;',
  '&#x0041;',
  '&#000065;',
  '&#13;',
  '&#xD;',
  '&#10;',
  '&#9;',
  '&#233;',
  '&#x20AC;',
  '&#x1F600;',
  '\r',
  '\n',
  '\r\n',
  '&#0;',
  '&#x1;',
  '&#;',
  '&#x;',
  '&#65',
  '&am;',
  '&ampx;',
  '&AMP;',
  '&',
  '& b',
  '&nbsp;',
  '\u0001',
  ']]',
  '>',
  '"',
  "'",
  'é',
  '€',
  '\u{1F600}',
);

/** The text of character data as XML 1.0 reads it (2.11, then 4.1): the oracle, for text that is well-formed. */
function oracle(raw: string): string {
  const names: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return raw
    .replace(/\r\n?/g, '\n')
    .replace(/&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g, (_, hex: string | undefined, dec: string | undefined, name: string | undefined) =>
      name !== undefined ? names[name]! : String.fromCodePoint(parseInt(hex ?? dec!, hex !== undefined ? 16 : 10)),
    );
}

describe('references in ASCII text: the byte pass gives what the general path gives (XML 1.0, 2.11 and 4.1)', () => {
  const te = new TextEncoder();
  const long = fc.array(piece, { maxLength: 120 }).map((p) => p.join(''));

  it('strict: the same text or the same DecodeError as the string input', () => {
    fc.assert(
      fc.property(long, (text) => {
        // Long enough to leave the short-text loop for cookText.
        const d = doc('p'.repeat(300) + text);
        const fromBytes = outcome(() => decodeXml(te.encode(d)));
        expect(fromBytes).toStrictEqual(outcome(() => decodeXml(d)));
        if ('data' in fromBytes) expect(fromBytes.data).toBe(oracle('p'.repeat(300) + text));
      }),
      { numRuns: 600 },
    );
  });

  it('lenient: the same message and the same slips', () => {
    const run = (input: string | Uint8Array): { data: string | undefined; warnings: DecodeWarning[] } | string => {
      try {
        const warnings: DecodeWarning[] = [];
        const m = decodeXml(input, { lenient: true, warnings });
        return { data: (m.syncBody.commands[0] as { items: { data?: string }[] }).items[0]!.data, warnings };
      } catch (e) {
        if (!isDecodeError(e)) throw e;
        return e.message;
      }
    };
    fc.assert(
      fc.property(long, (text) => {
        const d = doc('p'.repeat(300) + text);
        expect(run(te.encode(d))).toStrictEqual(run(d));
      }),
      { numRuns: 200 },
    );
  });

  it('entity-dense text decodes to its characters, line ends normalized and a referenced CR kept', () => {
    const limits = { maxTextLength: 1 << 20 };
    const unit = 'a&amp;b&lt;&#x41;\r\n&#13;\r';
    const d = doc(unit.repeat(20_000));
    expect(outcome(() => decodeXml(te.encode(d), { limits }))).toStrictEqual({ data: 'a&b<A\n\r\n'.repeat(20_000) });
    const wide = doc(('é' + unit + '&#x1F600;&#233;').repeat(20_000));
    expect(outcome(() => decodeXml(te.encode(wide), { limits }))).toStrictEqual({ data: 'éa&b<A\n\r\n\u{1F600}é'.repeat(20_000) });
    expect(outcome(() => decodeXml(wide, { limits }))).toStrictEqual({ data: 'éa&b<A\n\r\n\u{1F600}é'.repeat(20_000) });
  });

  it('a character XML does not allow, next to references in non-ASCII text, is refused where it stands', () => {
    const d = doc('é&amp;'.repeat(100) + '\uFFFE' + '&lt;'.repeat(100));
    const fromBytes = outcome(() => decodeXml(te.encode(d)));
    expect(fromBytes).toStrictEqual(outcome(() => decodeXml(d)));
    expect('error' in fromBytes && fromBytes.error.reason).toBe('character U+FFFE is not allowed in XML');
  });

  it('maxTextLength counts the decoded text', () => {
    const d = doc('&amp;'.repeat(1000));
    expect(outcome(() => decodeXml(te.encode(d), { limits: { maxTextLength: 1000 } }))).toStrictEqual({ data: '&'.repeat(1000) });
    const refused = outcome(() => decodeXml(te.encode(d), { limits: { maxTextLength: 999 } }));
    expect(refused).toStrictEqual(outcome(() => decodeXml(d, { limits: { maxTextLength: 999 } })));
    expect('error' in refused && refused.error.reason).toMatch(/longer than the limit of 999/);
  });
});
