/**
 * Packing rules that need more than one message to check (sections 7 and 8): no false
 * `message-too-small` (a refusal is shown true by replaying with the check off), and the
 * peer's MaxObjSize as it stands when a message is packed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HeaderInit, SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item } from '../../generated/types.js';
import { OutgoingPackage } from '../../src/session/packing.js';
import type { Encoding } from '../../src/session/message-size.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { Pair } from './pair.js';

const header = (msgID: number): HeaderInit => ({
  sessionID: '4F2A',
  msgID: String(msgID),
  target: { locURI: 'IMEI:4930051' },
  source: { locURI: 'http://dm.example/manage' },
});

const status = (msgRef: number, cmdRef: number, cmd: 'SyncHdr' | 'Alert' | 'Replace', sourceRefs: string[] = []): SyncBodyCommandDraft => ({
  kind: 'Status',
  msgRef: String(msgRef),
  cmdRef: String(cmdRef),
  cmd,
  targetRefs: [],
  sourceRefs,
  data: '200',
  items: [],
});

interface Scenario {
  readonly encoding: Encoding;
  readonly maxMsgSize: number;
  /** SourceRefs of the Statuses owed for the peer's first message (one Status each). */
  readonly owed: readonly string[][];
  readonly commands: readonly SyncBodyCommandDraft[];
}

/** What waits, as a number that only shrinks when something that waited went. */
const backlog = (out: OutgoingPackage): number => {
  const s = out.snapshot();
  const rest = s.chunk ? ((s.chunk.draft as { items: Item[] }).items[0]!.data ?? '').length - s.chunk.offset : 0;
  return s.commands.length * 1e9 + (s.chunk ? 1e8 + rest : 0);
};

/**
 * Plays the exchanges of a package: after our first message, each of the peer's answers
 * is its least one (its header and an Alert 1222), so we owe those two Statuses. Returns
 * how it ended: `final` after n messages, `refused` with the snapshot taken before the
 * refused message, or `open` after `limit` messages.
 */
function exchanges(s: Scenario, out: OutgoingPackage, firstMsg: number, limit: number): { end: 'final' | 'refused' | 'open'; messages: number[]; before?: ReturnType<OutgoingPackage['snapshot']>; backlogs: number[] } {
  const messages: number[] = [];
  const backlogs: number[] = [];
  for (let k = firstMsg; k < firstMsg + limit; k++) {
    const before = out.snapshot();
    let p;
    try {
      p = out.next(header(k));
    } catch (e) {
      if (isLocalProtocolError(e) && e.problem === 'message-too-small') return { end: 'refused', messages, before, backlogs };
      throw e;
    }
    messages.push(p.size);
    backlogs.push(backlog(out));
    if (p.final) return { end: 'final', messages, backlogs };
    out.respond(status(k + 1, 0, 'SyncHdr'), true);
    out.respond(status(k + 1, 1, 'Alert'));
  }
  return { end: 'open', messages, backlogs };
}

function start(s: Scenario, refuseStalls = true): OutgoingPackage {
  const out = new OutgoingPackage({ encoding: s.encoding, maxMsgSize: s.maxMsgSize }, { refuseStalls });
  out.respond(status(1, 0, 'SyncHdr'), true);
  s.owed.forEach((refs, i) => out.respond(status(1, i + 1, 'Replace', refs)));
  for (const c of s.commands) out.send(c);
  return out;
}

describe('no false message-too-small (issue 9 §2.6, sections 7 and 8)', () => {
  it('section 7: the issue\'s server (a 400-byte Replace queued, Package#1 of 12 DevInfo items, client MaxMsgSize 1,400) completes the session instead of refusing', () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const pair = new Pair({ encoding, clientMaxMsgSize: 1400, serverMaxMsgSize: 100_000 });
      const value = 'x'.repeat(400);
      pair.plan.push([{ kind: 'Replace', items: [{ target: { locURI: './Vendor/Setting' }, data: value }] }]);
      const devInfo: Item[] = Array.from({ length: 12 }, (_, i) => ({ source: { locURI: `./DevInfo/Ext/Node${i}` }, data: `value-${i}` }));
      expect(pair.run(100, devInfo)).toBe(true);
      const fromServer = pair.wire.filter((r) => r.from === 'server');
      for (const r of fromServer) expect(r.bytes.length).toBeLessThanOrEqual(1400);
      // The Replace went whole, in a later message than the statuses that filled the first.
      expect(pair.tree.get('./Vendor/Setting')).toBe(value);
      if (encoding === 'xml') expect(fromServer[0]!.message.syncBody.commands.some((c) => c.kind === 'Replace')).toBe(false);
    }
  });

  it('section 7: a refusal is true: the same package, replayed from just before it with the check off, never ends and what waits never shrinks; without a refusal, the package ends', () => {
    const scenario = fc.record({
      encoding: fc.constantFrom<Encoding>('xml', 'wbxml'),
      maxMsgSize: fc.integer({ min: 500, max: 2500 }),
      owed: fc.array(fc.array(fc.constantFrom('./DevInfo/Ext/Node', './DevInfo/Ext/VendorSpecificLongName/Leaf'), { maxLength: 12 }), { maxLength: 8 }),
      commands: fc.array(
        fc.record({ uri: fc.constantFrom('./a', './Vendor/Setting'), n: fc.integer({ min: 0, max: 3000 }) }).map(
          ({ uri, n }): SyncBodyCommandDraft => ({ kind: 'Replace', items: [{ target: { locURI: uri }, data: 'v'.repeat(n) }] }),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        let played;
        try {
          played = exchanges(s, start(s), 1, 200);
        } catch (e) {
          // A command or Status that no message can hold at all is refused otherwise.
          expect(isLocalProtocolError(e) && e.problem).toBe('command-too-large');
          return;
        }
        expect(played.end).not.toBe('open');
        if (played.end !== 'refused') return;
        // Replayed with the check off from the state it refused, for 30 exchanges.
        // (Or it meets a Status that no message can hold: as true a refusal.)
        const off = OutgoingPackage.restore(played.before!, { refuseStalls: false });
        let replay;
        try {
          replay = exchanges(s, off, played.messages.length + 1, 30);
        } catch (e) {
          expect(isLocalProtocolError(e) && e.problem).toBe('command-too-large');
          return;
        }
        expect(replay.end).toBe('open');
        const least = Math.min(...replay.backlogs);
        expect(least).toBe(backlog(OutgoingPackage.restore(played.before!)));
      }),
      { numRuns: 150 },
    );
  });
});
