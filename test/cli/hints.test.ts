/** Hints for common mistakes (issue 10, section 4), and the input named in every CLI error. */
import { describe, expect, it } from 'vitest';
import { decodeXml, encodeWbxml, inputHint, isDecodeError } from '../../src/index.js';
import { cli, readSpec } from './helpers.js';

const enc = new TextEncoder();
const pkg1 = readSpec('11.1.1-package1.xml');
const json = JSON.stringify(decodeXml(pkg1));
const utf16 = (s: string): Uint8Array => new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from(s, 'utf16le'))]);

describe('inputHint', () => {
  it('JSON where a message is expected', () => {
    expect(inputHint(enc.encode(json), 'message')).toBe("the input looks like JSON; the JSON form of a message is read by 'omadm encode' (or parseMessage)");
    expect(inputHint(enc.encode('\uFEFF  [1]'), 'message')).toMatch(/looks like JSON/);
  });

  it('a message where its JSON is expected', () => {
    expect(inputHint(pkg1, 'json')).toBe("the input looks like a SyncML message in XML; 'omadm decode' reads it (or 'omadm convert' to change its encoding)");
    expect(inputHint(encodeWbxml(decodeXml(pkg1)), 'json')).toMatch(/in WBXML;/);
  });

  it('WBXML given to the XML decoder', () => {
    const wbxml = encodeWbxml(decodeXml(pkg1));
    let error: unknown;
    try {
      decodeXml(wbxml);
    } catch (e) {
      error = e;
    }
    expect(isDecodeError(error)).toBe(true);
    expect(inputHint(wbxml, 'xml')).toBe('the input looks like WBXML (it starts with the version byte 0x03); use decodeWbxml, or decode, which reads both');
    expect(inputHint(wbxml, 'message')).toBeUndefined();
  });

  it('UTF-16, either byte order', () => {
    expect(inputHint(utf16('<SyncML/>'), 'message')).toBe('the input is UTF-16 (it starts with the byte order mark FF FE); convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)');
    expect(inputHint(new Uint8Array([0xfe, 0xff, 0, 0x3c]), 'json')).toMatch(/byte order mark FE FF/);
  });

  it('no hint for an input with no apparent mistake', () => {
    expect(inputHint(enc.encode('<SyncML/>'), 'message')).toBeUndefined();
    expect(inputHint(enc.encode('{"a":1}'), 'json')).toBeUndefined();
    expect(inputHint(new Uint8Array(0), 'message')).toBeUndefined();
  });
});

describe('the CLI names the input and gives the hint', () => {
  it('decode of a JSON file', async () => {
    const r = await cli(['decode', 'm.json'], { files: { 'm.json': json } });
    expect(r.code).toBe(1);
    const [error, hint, rest] = r.stderr.split('\n');
    expect(error).toMatch(/^m\.json: \/\S*: .+ \(offset \d+\)$/);
    expect(hint).toBe("m.json: hint: the input looks like JSON; the JSON form of a message is read by 'omadm encode' (or parseMessage)");
    expect(rest).toBe('');
  });

  it('encode of an XML message', async () => {
    const r = await cli(['encode', 'm.xml'], { files: { 'm.xml': pkg1 } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^omadm encode: m\.xml: invalid JSON: .+\nm\.xml: hint: the input looks like a SyncML message in XML; 'omadm decode' reads it/);
  });

  it('validate and convert of a UTF-16 file', async () => {
    for (const verb of ['validate', 'convert']) {
      const r = await cli([verb, 'u16.xml'], { files: { 'u16.xml': utf16(new TextDecoder().decode(pkg1)) } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^u16\.xml: .+\nu16\.xml: hint: the input is UTF-16 \(it starts with the byte order mark FF FE\)/);
    }
  });
});
