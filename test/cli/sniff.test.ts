import { describe, expect, it } from 'vitest';
import { decodeSniffed, sniffFormat } from '../../src/cli/sniff.js';
import { decodeXml, isDecodeError } from '../../src/index.js';
import { readSpec, specWbxml } from './helpers.js';

const bytes = (...b: number[]) => new Uint8Array(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('sniffFormat', () => {
  it('WBXML: a first byte 0x01, 0x02 or 0x03 (WBXML 1.1 to 1.3)', () => {
    expect(sniffFormat(bytes(0x01))).toBe('wbxml');
    expect(sniffFormat(bytes(0x02, 0x00))).toBe('wbxml');
    expect(sniffFormat(bytes(0x03, 0xa4, 0x01, 0x6a))).toBe('wbxml');
    expect(sniffFormat(specWbxml('11.1.1-package1.xml'))).toBe('wbxml');
  });

  it("XML: '<', whitespace or a byte order mark first", () => {
    for (const s of ['<SyncML/>', '<?xml version="1.0"?>', ' <a/>', '\t<a/>', '\r\n<a/>', '\n<a/>', '\uFEFF<a/>']) {
      expect(sniffFormat(utf8(s))).toBe('xml');
    }
    expect(sniffFormat(readSpec('11.1.1-package1.xml'))).toBe('xml');
  });

  it('anything else goes to the XML decoder, which says what is wrong', () => {
    for (const b of [bytes(), bytes(0x00), bytes(0x04), bytes(0x7f), bytes(0xff), utf8('hello')]) {
      expect(sniffFormat(b)).toBe('xml');
    }
  });
});

describe('decodeSniffed', () => {
  it('decodes both formats to the same value', () => {
    const value = decodeXml(readSpec('11.1.1-package1.xml'));
    expect(decodeSniffed(readSpec('11.1.1-package1.xml'))).toEqual({ format: 'xml', message: value });
    expect(decodeSniffed(specWbxml('11.1.1-package1.xml'))).toEqual({ format: 'wbxml', message: value });
  });

  it("passes the options on: the DM profile refuses what SyncML allows", () => {
    const header =
      '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
      '<Target><LocURI>IMEI:1</LocURI></Target><Source><LocURI>http://srv</LocURI></Source></SyncHdr>';
    const ds = utf8(`<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody><Sync><CmdID>1</CmdID></Sync><Final/></SyncBody></SyncML>`);
    expect(decodeSniffed(ds).format).toBe('xml');
    let error: unknown;
    try {
      decodeSniffed(ds, { profile: 'dm' });
    } catch (e) {
      error = e;
    }
    expect(isDecodeError(error)).toBe(true);
  });
});
