/** src/message: decode() of either encoding, and statusFor() answering a received command or header. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MessageBuilder, StatusCode, checkMessage, decode, decodeXml, encodeWbxml, encodeXml, isDecodeError, isLocalProtocolError, statusFor } from '../../src/index.js';
import { messageArbitrary } from '../../src/arbitraries.js';
import { readSpec } from '../cli/helpers.js';

describe('decode: XML or WBXML by the first byte', () => {
  it('gives the same value from both encodings of a message', () => {
    fc.assert(
      fc.property(messageArbitrary(), (m) => {
        expect(decode(encodeXml(m))).toStrictEqual(decode(encodeWbxml(m)));
      }),
      { numRuns: 50 },
    );
  });

  it('hands anything that is not WBXML to the XML decoder, which says what is wrong', () => {
    for (const input of [new Uint8Array(0), new TextEncoder().encode('{"syncHdr":1}'), new Uint8Array([0x04, 0x00])]) {
      let error: unknown;
      try {
        decode(input);
      } catch (e) {
        error = e;
      }
      expect(isDecodeError(error)).toBe(true);
    }
  });
});

describe('statusFor', () => {
  const pkg1 = decodeXml(readSpec('11.1.1-package1.xml'));
  const replace = pkg1.syncBody.commands.find((c) => c.kind === 'Replace')!;

  it('answers a received command: MsgRef, CmdRef, Cmd, the LocURIs of its items as refs', () => {
    const status = statusFor({ msgRef: pkg1.syncHdr.msgID, command: replace }, StatusCode.Ok);
    expect(status).toMatchObject({ msgRef: '1', cmdRef: replace.cmdID, cmd: 'Replace', data: '200', targetRefs: [], items: [] });
    expect(status.sourceRefs).toEqual(['./DevInfo/DevId', './DevInfo/Man', './DevInfo/Mod', './DevInfo/DmV', './DevInfo/Lang']);
  });

  it('answers a header: CmdRef 0, Cmd SyncHdr, its Target and Source as refs', () => {
    expect(statusFor(pkg1.syncHdr, 212)).toEqual({
      msgRef: '1',
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [pkg1.syncHdr.target.locURI],
      sourceRefs: [pkg1.syncHdr.source.locURI],
      data: '212',
      items: [],
    });
  });

  it('builds into a message that passes the value checks', () => {
    const alert = pkg1.syncBody.commands.find((c) => c.kind === 'Alert')!;
    const reply = new MessageBuilder({
      sessionID: pkg1.syncHdr.sessionID,
      msgID: '1',
      target: { locURI: pkg1.syncHdr.source.locURI },
      source: { locURI: pkg1.syncHdr.target.locURI },
    })
      .status(statusFor(pkg1.syncHdr, StatusCode.AuthenticationAccepted))
      .status(statusFor({ msgRef: '1', command: alert }, StatusCode.Ok))
      .status(statusFor({ msgRef: '1', command: replace }, StatusCode.Ok))
      .final()
      .build();
    expect(checkMessage(reply, { profile: 'dm', semantics: true })).toEqual([]);
  });

  it('refuses to answer a Status or Results, and a code that is no status code', () => {
    const status = { kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] } as const;
    for (const f of [() => statusFor({ msgRef: '1', command: { ...status, targetRefs: [], sourceRefs: [], items: [] } }, 200), () => statusFor(pkg1.syncHdr, 2000), () => statusFor(pkg1.syncHdr, 20.5)]) {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isLocalProtocolError(error)).toBe(true);
    }
  });
});
