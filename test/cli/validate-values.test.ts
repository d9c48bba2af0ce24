/**
 * `omadm validate` and checkMessage({ semantics: true }) check values against the protocol
 * tables (issue 10, section 5): the cases that were reported "valid OMA DM message" before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMessage, checkValues, decodeXml, type MessageIssue } from '../../src/index.js';
import { ROOT, cli, readSpec, spec, specFixtures } from './helpers.js';

const hdr = (verDTD = '1.2', verProto = 'DM/1.2', meta = '') =>
  `<SyncHdr><VerDTD>${verDTD}</VerDTD><VerProto>${verProto}</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>` +
  `<Target><LocURI>IMEI:1</LocURI></Target><Source><LocURI>http://srv</LocURI></Source>${meta}</SyncHdr>`;
const msg = (body: string, header = hdr()) => `<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody>${body}<Final/></SyncBody></SyncML>`;
const alert = (cmdID: string, data: string) => `<Alert><CmdID>${cmdID}</CmdID><Data>${data}</Data></Alert>`;
const status = (cmdID: string, data: string, { msgRef = '1', cmdRef = '0', cmd = 'SyncHdr' } = {}) =>
  `<Status><CmdID>${cmdID}</CmdID><MsgRef>${msgRef}</MsgRef><CmdRef>${cmdRef}</CmdRef><Cmd>${cmd}</Cmd><Data>${data}</Data></Status>`;
const get = (cmdID: string, meta = '') => `<Get><CmdID>${cmdID}</CmdID>${meta}<Item><Target><LocURI>./DevInfo/Mod</LocURI></Target></Item></Get>`;
const fmt = (f: string) => `<Meta><Format xmlns="syncml:metinf">${f}</Format></Meta>`;

const values = (xml: string, profile: 'dm' | 'syncml' = 'dm'): MessageIssue[] => checkMessage(decodeXml(xml), { profile, semantics: true });
const error = (path: string, reason: string): MessageIssue => ({ path, reason, severity: 'error' });
const warning = (path: string, reason: string): MessageIssue => ({ path, reason, severity: 'warning' });

describe('checkMessage({ semantics: true }): values against the tables', () => {
  it('every spec example passes, with no warning', () => {
    for (const file of specFixtures) expect(checkMessage(decodeXml(readSpec(file)), { profile: 'dm', semantics: true }), file).toEqual([]);
  });

  it('VerDTD and VerProto are versions of versions.tsv', () => {
    expect(values(msg(alert('1', '1201'), hdr('9.9', 'DM/1.2')))).toEqual([error('/SyncML/SyncHdr/VerDTD', 'VerDTD "9.9" is not a version of SyncML (1.2 or 1.1)')]);
    expect(values(msg(alert('1', '1201'), hdr('1.2', 'dm/1.2')))).toEqual([
      error('/SyncML/SyncHdr/VerProto', 'VerProto "dm/1.2" is not a version of the DM protocol (DM/1.3, DM/1.2 or DM/1.1) (did you mean "DM/1.2"?)'),
    ]);
    // Another SyncML protocol than DM: only a warning when all of SyncML is read.
    expect(values(msg(alert('1', '1201'), hdr('1.2', 'SyncML/1.2')), 'syncml').map((i) => i.severity)).toEqual(['warning']);
  });

  it('Alert Data is an alert code: not a number is an error, a code the tables lack a warning', () => {
    expect(values(msg(alert('1', 'hello')))).toEqual([error('/SyncML/SyncBody/Alert[1]/Data', 'Alert code "hello" is not a number')]);
    expect(values(msg(alert('1', '1299')))).toEqual([warning('/SyncML/SyncBody/Alert[1]/Data', 'Alert code 1299 is not one the tables know')]);
  });

  it('Status Data is a three-digit status code; Cmd names a command; MsgRef and CmdRef are numbers', () => {
    expect(values(msg(status('1', 'abc')))).toEqual([error('/SyncML/SyncBody/Status[1]/Data', 'Status code "abc" is not a three-digit number')]);
    expect(values(msg(status('1', '299')))).toEqual([warning('/SyncML/SyncBody/Status[1]/Data', 'Status code 299 is not one the tables know')]);
    expect(values(msg(status('1', '200', { cmd: 'Frob' })))).toEqual([error('/SyncML/SyncBody/Status[1]/Cmd', 'Cmd "Frob" names no command (SyncHdr or a command of SyncML)')]);
    expect(values(msg(status('1', '200', { msgRef: 'one', cmdRef: '#2' })))).toEqual([
      error('/SyncML/SyncBody/Status[1]/MsgRef', 'MsgRef "one" is not a number'),
      error('/SyncML/SyncBody/Status[1]/CmdRef', 'CmdRef "#2" is not a number'),
    ]);
  });

  it('CmdID is a positive integer, unique in the message, nested commands included', () => {
    expect(values(msg(alert('0', '1201')))).toEqual([error('/SyncML/SyncBody/Alert[1]/CmdID', 'CmdID "0" is not a positive integer')]);
    expect(values(msg(alert('1', '1201') + get('1')))).toEqual([
      error('/SyncML/SyncBody/Get[1]/CmdID', 'CmdID 1 is used twice in the message (first at /SyncML/SyncBody/Alert[1]/CmdID)'),
    ]);
    const atomic = `<Atomic><CmdID>2</CmdID>${get('3')}${get('2')}</Atomic>`;
    expect(values(msg(alert('1', '1201') + atomic))).toEqual([
      error('/SyncML/SyncBody/Atomic[1]/Get[2]/CmdID', 'CmdID 2 is used twice in the message (first at /SyncML/SyncBody/Atomic[1]/CmdID)'),
    ]);
  });

  it('Format is a value of format-values.tsv, with a hint for another case', () => {
    expect(values(msg(get('1', fmt('Chr'))))).toEqual([
      error('/SyncML/SyncBody/Get[1]/Meta/Format', 'Format "Chr" is not a Format value (b64, bin, bool, chr, int, node, null, xml, date, time or float) (did you mean "chr"?)'),
    ]);
    expect(values(msg(get('1', fmt('node'))))).toEqual([]);
  });

  it('the Type of Cred and Chal is an authentication type; MaxMsgSize is a number', () => {
    const cred = (type: string) =>
      `<Cred><Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">${type}</Type></Meta><Data>x</Data></Cred>`;
    const header = (extra: string) => hdr().replace('</SyncHdr>', `${extra}</SyncHdr>`);
    expect(values(msg(alert('1', '1201'), header(cred('syncml:auth-basic'))))).toEqual([]);
    expect(values(msg(alert('1', '1201'), header(cred('syncml:auth-mac'))))).toEqual([
      error('/SyncML/SyncHdr/Cred/Meta/Type', 'Type "syncml:auth-mac" is not an authentication type (syncml:auth-basic, syncml:auth-md5 or syncml:auth-MAC) (did you mean "syncml:auth-MAC"?)'),
    ]);
    const big = '<Meta><MaxMsgSize xmlns="syncml:metinf">big</MaxMsgSize></Meta>';
    expect(values(msg(alert('1', '1201'), header(big)))).toEqual([error('/SyncML/SyncHdr/Meta/MaxMsgSize', 'MaxMsgSize "big" is not a number of bytes')]);
  });

  it('is off unless asked for: checkMessage checks the structure, checkValues only the values', () => {
    const bad = decodeXml(msg(alert('0', 'hello'), hdr('9.9')));
    expect(checkMessage(bad, { profile: 'dm' })).toEqual([]);
    expect(checkValues(bad).map((i) => i.path)).toEqual(['/SyncML/SyncHdr/VerDTD', '/SyncML/SyncBody/Alert[1]/CmdID', '/SyncML/SyncBody/Alert[1]/Data']);
  });

  it('every code of the tables is known: alert-codes.tsv and status-codes.tsv', () => {
    const codes = (file: string) =>
      readFileSync(join(ROOT, 'schemas', file), 'utf8')
        .split('\n')
        .filter((l) => /^\d+\t/.test(l))
        .map((l) => l.split('\t')[0]!);
    const alerts = codes('alert-codes.tsv');
    const statuses = codes('status-codes.tsv');
    expect(alerts.length).toBeGreaterThan(10);
    expect(statuses.length).toBeGreaterThan(50);
    const body = alerts.map((c, i) => alert(String(i + 1), c)).join('') + statuses.map((c, i) => status(String(alerts.length + i + 1), c)).join('');
    expect(values(msg(body))).toEqual([]);
  });
});

describe('omadm validate: values', () => {
  const run = (xml: string, ...flags: string[]) => cli(['validate', ...flags, 'm.xml'], { files: { 'm.xml': xml } });

  it('an error of value: exit 1, one path: reason line each', async () => {
    expect(await run(msg(alert('0', 'hello') + alert('0', '1201'), hdr('9.9')))).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'm.xml: /SyncML/SyncHdr/VerDTD: VerDTD "9.9" is not a version of SyncML (1.2 or 1.1)\n' +
        'm.xml: /SyncML/SyncBody/Alert[1]/CmdID: CmdID "0" is not a positive integer\n' +
        'm.xml: /SyncML/SyncBody/Alert[1]/Data: Alert code "hello" is not a number\n' +
        'm.xml: /SyncML/SyncBody/Alert[2]/CmdID: CmdID "0" is not a positive integer\n',
    });
  });

  it('warnings only: exit 0, the warnings on stderr, their count in the verdict', async () => {
    expect(await run(msg(alert('1', '1299')))).toEqual({
      code: 0,
      stdout: 'm.xml: valid OMA DM message with 1 warning (XML: structure, DM profile, values against the protocol tables)\n',
      stderr: 'm.xml: /SyncML/SyncBody/Alert[1]/Data: warning: Alert code 1299 is not one the tables know\n',
    });
  });

  it('--structure-only skips the values, and says so', async () => {
    expect(await run(msg(alert('0', 'hello'), hdr('9.9')), '--structure-only')).toEqual({
      code: 0,
      stdout: 'm.xml: valid OMA DM message (XML: structure, DM profile; values not checked)\n',
      stderr: '',
    });
  });

  it('--profile syncml takes all of SyncML (a DS Sync), and names it', async () => {
    const sync = msg('<Sync><CmdID>1</CmdID></Sync>');
    expect((await run(sync)).code).toBe(1);
    expect(await run(sync, '--profile', 'syncml')).toEqual({
      code: 0,
      stdout: 'm.xml: valid SyncML message (XML: structure, values against the protocol tables)\n',
      stderr: '',
    });
    expect((await run(sync, '--profile', 'ds')).code).toBe(2);
  });
});

describe('omadm decode -o and --profile', () => {
  it('-o FILE writes the same JSON that stdout would carry', async () => {
    const file = spec('11.1.1-package1.xml');
    const out = await cli(['decode', file]);
    const { fakeIo } = await import('./helpers.js');
    const { runCli } = await import('../../src/cli/cli.js');
    const io = fakeIo();
    expect(await runCli(['decode', '-o', 'out.json', file], io)).toBe(0);
    expect(io.out).toBe('');
    expect(new TextDecoder().decode(io.written['out.json'])).toBe(out.stdout);
  });

  it('--profile dm refuses what OMA DM does not use', async () => {
    const sync = msg('<Sync><CmdID>1</CmdID></Sync>');
    expect((await cli(['decode', '-'], { stdin: sync })).code).toBe(0);
    expect((await cli(['decode', '--profile', 'dm', '-'], { stdin: sync })).code).toBe(1);
    expect((await cli(['convert', '--profile', 'dm', '-'], { stdin: sync })).code).toBe(1);
  });
});
