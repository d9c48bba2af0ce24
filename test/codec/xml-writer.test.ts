/** Escaping of text for the XML encoders, and the UTF-8 surplus it counts for packing. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { escapeText, xmlUtf8Count } from '../../src/runtime/xml-writer.js';
import { isEncodeError } from '../../src/runtime/errors.js';
import { xmlText } from '../../src/runtime/arbitrary-text.js';

const texts = fc.oneof(
  xmlText(),
  fc.string({ unit: fc.constantFrom('a', '<', '>', '&', '\r', '\n', '\t', 'é', '€', '😀', '\u007f', ';', '=', '?') }),
  fc.string({ unit: 'grapheme' }).filter((s) => !/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(s)),
);

describe('escapeText', () => {
  it('escapes the markup characters and CR, and nothing else', () => {
    expect(escapeText('a<b>&c\rd\ne\tf;=?')).toBe('a&lt;b&gt;&amp;c&#13;d\ne\tf;=?');
    fc.assert(
      fc.property(texts, (s) => {
        const e = escapeText(s);
        expect(e.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#13;/g, '\r').replace(/&amp;/g, '&')).toBe(s);
      }),
    );
  });

  it('counts the UTF-8 bytes over UTF-16 units of what it returns (the packer sizes XML commands by it)', () => {
    fc.assert(
      fc.property(fc.array(texts, { maxLength: 5 }), (list) => {
        const before = xmlUtf8Count.surplus;
        const out = list.map(escapeText).join('');
        expect(out.length + xmlUtf8Count.surplus - before).toBe(Buffer.byteLength(out, 'utf8'));
      }),
    );
  });

  it('refuses what XML cannot carry, and counts nothing for it', () => {
    for (const bad of ['\u0000', 'a\u0007', '\uD800', 'x\uDC00y', '\uFFFE', '\uFFFF', 'é\u0001']) {
      const before = xmlUtf8Count.surplus;
      let error: unknown;
      try {
        escapeText(bad);
      } catch (e) {
        error = e;
      }
      expect(isEncodeError(error), JSON.stringify(bad)).toBe(true);
      expect(xmlUtf8Count.surplus).toBe(before);
    }
  });
});
