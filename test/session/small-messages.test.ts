/**
 * Sessions at MaxMsgSizes so small that answers span messages (section 7): who asks for
 * the next message, when a session may end, and when a side must give up because no
 * message within the limit could ever move the session on.
 */
import { describe, expect, it } from 'vitest';
import type { SyncML } from '../../generated/types.js';
import { AuthType } from '../../generated/codes.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { CLIENT_URI, Pair, authConfigs } from './pair.js';
import { checkWire } from './invariants.js';

/** A message as `kind(detail)` strings: Status(msgRef/cmdRef cmd code), Alert(code), others by kind. */
const shape = (m: SyncML): string[] =>
  m.syncBody.commands.map((c) => (c.kind === 'Status' ? `Status(${c.msgRef}/${c.cmdRef} ${c.cmd} ${c.data})` : c.kind === 'Alert' ? `Alert(${c.data})` : c.kind));

describe('answers that span messages', () => {
  it('DM-PRO-Mul-C-002-M, DM-PRO-Mul-S-001-M: a challenge whose statuses need two messages: the client asks for the rest (1222) before it resends Package#1, and the server ends only with its last Status', () => {
    // The server's answer to an unauthenticated Package#1 (three statuses, each 407 with its Chal, 9.1) does not fit 1,100 bytes.
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 1100, serverMaxMsgSize: 1513, ...authConfigs(AuthType.Md5Digest, { preemptive: false }) });
    expect(pair.run(50)).toBe(true);
    checkWire(pair.wire);
    const [p1, s1, c2, s2, c3, s3] = pair.wire;
    expect(shape(p1!.message)).toEqual(['Alert(1201)', 'Replace']);
    expect(shape(s1!.message)).toEqual(['Status(1/0 SyncHdr 407)', 'Status(1/1 Alert 407)']);
    expect(s1!.message.syncBody.final).toBeUndefined();
    // Not yet Package#1 again: first the rest of the server's answer, with credentials.
    expect(shape(c2!.message)).toEqual(['Status(1/0 SyncHdr 200)', 'Alert(1222)']);
    expect(c2!.message.syncHdr.cred).toBeDefined();
    expect(shape(s2!.message)).toEqual(['Status(2/0 SyncHdr 212)', 'Status(1/2 Replace 407)', 'Status(2/2 Alert 200)']);
    expect(s2!.message.syncBody.final).toBe(true);
    // The server's package is complete: Package#1 again, authenticated.
    expect(shape(c3!.message)).toEqual(['Status(2/0 SyncHdr 200)', 'Alert(1201)', 'Replace']);
    expect(shape(s3!.message)[0]).toBe('Status(3/0 SyncHdr 200)');
    expect(pair.wire).toHaveLength(6);
    expect(pair.server.ended && pair.client.ended).toBe(true);
  });

  it('DM-PRO-Mul-S-002-M: a "Next Message" answer carries Alert 1222 right after the Status for the header, even when other statuses must wait', () => {
    // Package#1 spans messages: a DevInfo value of 1,500 bytes travels in chunks.
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 900, serverMaxMsgSize: 900 });
    pair.plan.push([{ kind: 'Delete', items: [{ target: { locURI: './Vendor/A' } }] }]);
    expect(pair.run(50, [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }, { source: { locURI: './DevInfo/Ext/Blob' }, data: 'x'.repeat(1500) }])).toBe(true);
    checkWire(pair.wire);
    const [c1, s1] = pair.wire;
    expect(shape(c1!.message).slice(0, 2)).toEqual(['Alert(1201)', 'Replace']);
    expect(c1!.message.syncBody.final).toBeUndefined();
    expect(shape(s1!.message).slice(0, 2)).toEqual(['Status(1/0 SyncHdr 200)', 'Alert(1222)']);
  });
});

describe('a MaxMsgSize no session can live with', () => {
  it('refuses, with what the next message needs, when each message could carry only the statuses the last exchange brought', () => {
    // The device's Results cannot travel with the two statuses every Next Message
    // exchange brings, within 538 bytes: rather than trade those statuses for ever, the
    // client stops.
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 1504, serverMaxMsgSize: 538 });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    let error: unknown;
    try {
      pair.run(50);
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('message-too-small');
    const shortfall = (error as { shortfall: { maxMsgSize: number; needed: number } }).shortfall;
    expect(shortfall.maxMsgSize).toBe(538);
    expect(shortfall.needed).toBeGreaterThan(538);
    expect(pair.wire.length).toBeLessThan(10);
    for (const r of pair.wire) expect(r.bytes.length).toBeLessThanOrEqual(r.limit);
    // `needed` is a lower bound: raising the limit to it each time, the session soon runs
    // to its end, and every refusal on the way asked for more than it had.
    let limit = shortfall.needed;
    for (let attempt = 0; ; attempt++) {
      expect(attempt).toBeLessThan(5);
      const roomy = new Pair({ encoding: 'xml', clientMaxMsgSize: 1504, serverMaxMsgSize: limit });
      roomy.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
      try {
        expect(roomy.run(50)).toBe(true);
        checkWire(roomy.wire);
        break;
      } catch (e) {
        if (!isLocalProtocolError(e) || e.problem !== 'message-too-small') throw e;
        expect(e.shortfall!.needed).toBeGreaterThan(limit);
        limit = e.shortfall!.needed;
      }
    }
  });
});

describe('small MaxMsgSizes that sessions live with (targeted, no sample)', () => {
  // These replace an aggregate over a random sample ("the smallest completed MaxMsgSize"),
  // which flaked: the claim is checked on fixed sessions instead.
  const plan = () => [
    [{ kind: 'Get' as const, items: [{ target: { locURI: './DevInfo/Man' } }] as [{ target: { locURI: string } }] }],
    [{ kind: 'Replace' as const, items: [{ target: { locURI: './Vendor/A' }, data: 'x<&é'.repeat(300) }] as [{ target: { locURI: string }; data: string }] }],
  ];
  it.each([
    ['xml', 990],
    ['wbxml', 590],
  ] as const)('DM-PRO-Mul-C-002-M: a %s session with a Get and a chunked Replace runs to its end at MaxMsgSize %d both ways', (encoding, size) => {
    const pair = new Pair({ encoding, clientMaxMsgSize: size, serverMaxMsgSize: size });
    pair.plan.push(...plan());
    expect(pair.run(200)).toBe(true);
    checkWire(pair.wire);
    expect(pair.tree.get('./Vendor/A')).toBe('x<&é'.repeat(300));
    expect(pair.serverEvents.filter((e) => e.type === 'results')).toHaveLength(1);
  });
});
