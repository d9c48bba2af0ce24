/** Escaping of text for the XML encoders, and the UTF-8 surplus it counts for packing. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { escapeText, escapedCodePointBytes, type Utf8Surplus } from '../../src/runtime/xml-writer.js';
import { isEncodeError } from '../../src/runtime/errors.js';
import { xmlText } from '../../src/runtime/arbitrary-text.js';

const texts = fc.oneof(
  xmlText(),
  fc.string({ unit: fc.constantFrom('a', '<', '>', '&', '\r', '\n', '\t', 'é', '€', '😀', '\u007f', ';', '=', '?') }),
  fc.string({ unit: 'grapheme' }).filter((s) => !/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(s)),
);

describe('escapeText', () => {
  it('the cost of each code point is what escapeText writes for it (the packer cuts large objects by it)', () => {
    fc.assert(
      fc.property(texts, (s) => {
        let sum = 0;
        for (const ch of s) sum += escapedCodePointBytes(ch.codePointAt(0)!);
        expect(sum).toBe(Buffer.byteLength(escapeText(s, { surplus: 0 }), 'utf8'));
      }),
    );
  });

  it('refuses what is not a string (a number, undefined, an object, a BigInt) instead of writing its String()', () => {
    for (const bad of [1, undefined, null, {}, 1n, true]) {
      expect(() => escapeText(bad as unknown as string, { surplus: 0 }), String(bad)).toThrow(/text must be a string/);
    }
  });

  it('escapes the markup characters and CR, and nothing else', () => {
    expect(escapeText('a<b>&c\rd\ne\tf;=?', { surplus: 0 })).toBe('a&lt;b&gt;&amp;c&#13;d\ne\tf;=?');
    fc.assert(
      fc.property(texts, (s) => {
        const e = escapeText(s, { surplus: 0 });
        expect(e.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#13;/g, '\r').replace(/&amp;/g, '&')).toBe(s);
      }),
    );
  });

  it('counts the UTF-8 bytes over UTF-16 units of what it returns (the packer sizes XML commands by it)', () => {
    fc.assert(
      fc.property(fc.array(texts, { maxLength: 5 }), (list) => {
        const count: Utf8Surplus = { surplus: 0 };
        const out = list.map((s) => escapeText(s, count)).join('');
        expect(out.length + count.surplus).toBe(Buffer.byteLength(out, 'utf8'));
      }),
    );
  });

  it('refuses what XML cannot carry, and counts nothing for it', () => {
    for (const bad of ['\u0000', 'a\u0007', '\uD800', 'x\uDC00y', '\uFFFE', '\uFFFF', 'é\u0001']) {
      const count: Utf8Surplus = { surplus: 0 };
      let error: unknown;
      try {
        escapeText(bad, count);
      } catch (e) {
        error = e;
      }
      expect(isEncodeError(error), JSON.stringify(bad)).toBe(true);
      expect(count.surplus).toBe(0);
    }
  });
});
