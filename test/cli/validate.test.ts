import { describe, expect, it } from 'vitest';
import { decodeXml, encodeWbxml } from '../../src/index.js';
import { cli, decodeErrorLine, readSpec, spec, specFixtures, specWbxml } from './helpers.js';

const VALIDATE_USAGE = "Usage: omadm validate [options] FILE|-\nRun 'omadm help validate' for details.\n";
const usageError = (message: string) => ({ code: 2, stdout: '', stderr: `omadm validate: ${message}\n${VALIDATE_USAGE}` });
/** The verdict on a valid message, naming what was checked. */
const valid = (label: string, format: 'XML' | 'WBXML' = 'XML') => `${label}: valid OMA DM message (${format}: structure, DM profile, values against the protocol tables)\n`;

const header =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>IMEI:1</LocURI></Target><Source><LocURI>http://srv</LocURI></Source></SyncHdr>';
/** Valid SyncML, but Sync is a DS command OMA DM does not use. */
const dsSync = `<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody><Sync><CmdID>1</CmdID></Sync><Final/></SyncBody></SyncML>`;

describe('omadm validate', () => {
  for (const file of specFixtures) {
    it(`${file} is a valid OMA DM message`, async () => {
      expect(await cli(['validate', spec(file)])).toEqual({
        code: 0,
        stdout: valid(spec(file)),
        stderr: '',
      });
    });
  }

  it('names the file as given on the command line', async () => {
    expect(await cli(['validate', 'pkg1.xml'], { files: { 'pkg1.xml': readSpec('11.1.1-package1.xml') } })).toEqual({
      code: 0,
      stdout: valid('pkg1.xml'),
      stderr: '',
    });
  });

  it('reads stdin for -', async () => {
    expect(await cli(['validate', '-'], { stdin: readSpec('11.1.1-package1.xml') })).toEqual({
      code: 0,
      stdout: valid('<stdin>'),
      stderr: '',
    });
  });
});

describe('omadm validate: invalid messages, exit 1', () => {
  it('refuses SyncML elements OMA DM does not use, which decode accepts', async () => {
    expect((await cli(['decode', '-'], { stdin: dsSync })).code).toBe(0);
    const expected = decodeErrorLine('ds.xml', dsSync, 'dm');
    expect(expected).toMatch(/^ds.xml: \/SyncML\/SyncBody: .*Sync.* \(offset \d+\)\n$/);
    expect(await cli(['validate', 'ds.xml'], { files: { 'ds.xml': dsSync } })).toEqual({ code: 1, stdout: '', stderr: expected });
  });

  it('refuses a message that breaks the content model', async () => {
    const text = `<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody><Final/></SyncBody></SyncML>`;
    expect(await cli(['validate', '-'], { stdin: text })).toEqual({ code: 1, stdout: '', stderr: decodeErrorLine('<stdin>', text, 'dm') });
  });

  it('refuses XML that is not well-formed', async () => {
    const text = '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr></SyncML>';
    expect(await cli(['validate', '-'], { stdin: text })).toEqual({ code: 1, stdout: '', stderr: decodeErrorLine('<stdin>', text, 'dm') });
  });
});

describe('omadm validate: WBXML', () => {
  for (const file of specFixtures) {
    it(`${file} as WBXML is a valid OMA DM message`, async () => {
      const wbxml = specWbxml(file);
      expect(await cli(['validate', 'm.wbxml'], { files: { 'm.wbxml': wbxml } })).toEqual({
        code: 0,
        stdout: valid('m.wbxml', 'WBXML'),
        stderr: '',
      });
    });
  }

  it('reads WBXML from stdin for -', async () => {
    expect(await cli(['validate', '-'], { stdin: specWbxml('11.1.1-package1.xml', { publicId: 'fpi' }) })).toEqual({
      code: 0,
      stdout: valid('<stdin>', 'WBXML'),
      stderr: '',
    });
  });

  it('refuses SyncML elements OMA DM does not use, in WBXML too, exit 1', async () => {
    const wbxml = encodeWbxml(decodeXml(dsSync));
    expect((await cli(['decode', '-'], { stdin: wbxml })).code).toBe(0);
    const expected = decodeErrorLine('ds.wbxml', wbxml, 'dm', 'wbxml');
    expect(expected).toMatch(/^ds.wbxml: \/SyncML\/SyncBody: .*Sync.* \(offset \d+\)\n$/);
    expect(await cli(['validate', 'ds.wbxml'], { files: { 'ds.wbxml': wbxml } })).toEqual({ code: 1, stdout: '', stderr: expected });
  });

  it('refuses WBXML that is cut short, exit 1', async () => {
    const wbxml = specWbxml('11.1.1-package1.xml').slice(0, 40);
    expect(await cli(['validate', '-'], { stdin: wbxml })).toEqual({ code: 1, stdout: '', stderr: decodeErrorLine('<stdin>', wbxml, 'dm', 'wbxml') });
  });
});

describe('omadm validate: usage errors, exit 2', () => {
  it('missing FILE', async () => {
    expect(await cli(['validate'])).toEqual(usageError('missing FILE argument'));
  });

  it('two files', async () => {
    expect(await cli(['validate', 'a.xml', 'b.xml'])).toEqual(usageError("unexpected argument 'b.xml'"));
  });

  it('unknown option', async () => {
    expect(await cli(['validate', '--strict', 'a.xml'])).toEqual(usageError("unknown option '--strict'"));
  });

  it('a file that does not exist', async () => {
    expect(await cli(['validate', 'nope.xml'])).toEqual(usageError("cannot read 'nope.xml': no such file"));
  });
});
