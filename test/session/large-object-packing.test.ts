/**
 * Packing rules that need more than one message to check (sections 7 and 8): no false
 * `message-too-small` (a refusal is shown true by replaying with the check off), and the
 * peer's MaxObjSize as it stands when a message is packed.
 */
import { describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import type { HeaderInit, SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item } from '../../generated/types.js';
import { OutgoingPackage } from '../../src/session/packing.js';
import type { Encoding } from '../../src/session/message-size.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { CLIENT_URI, Pair, SERVER_URI } from './pair.js';
import { ClientSession } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';

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
 * is its least one: its header, and an Alert 1222 when our message held no command for
 * it to answer; we owe the Statuses for those. Returns
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
    // A message with commands gets their Statuses back; one without, an Alert 1222.
    if (!p.message.syncBody.commands.some((c) => c.kind !== 'Status' && c.kind !== 'Results')) out.respond(status(k + 1, 1, 'Alert'));
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
      // (650 bytes: one Status names no SourceRefs for the 12 items of the DevInfo Replace, so
      // the statuses alone no longer fill the message.)
      const value = 'x'.repeat(650);
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

describe('MaxObjSize at packing time (issue 9 §2.3, section 8)', () => {
  const big = (n: number, uri = './Vendor/Big'): SyncBodyCommandDraft => ({ kind: 'Replace', items: [{ target: { locURI: uri }, data: 'b'.repeat(n) }] });

  it('DM-PRO-LO-S-007-M, DM-PRO-LO-C-008-O, section 8 ("MUST NOT send any single object larger than this size"): a command queued before the peer lowered its MaxObjSize is withheld when the message is packed', () => {
    const out = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 10_000 });
    const replace = big(2000);
    out.send(replace);
    out.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    out.updateLimits({ encoding: 'xml', maxMsgSize: 10_000, maxObjSize: 1000 });
    const p = out.next(header(1));
    expect(p.message.syncBody.commands.map((c) => c.kind)).toEqual(['Get']);
    expect(p.withheld).toEqual([replace]);
    expect(p.final).toBe(true);
    // Raised again, nothing more is withheld (the Replace is gone, not queued).
    out.updateLimits({ encoding: 'xml', maxMsgSize: 10_000, maxObjSize: 5000 });
    expect(out.pending).toBe(false);
  });

  it('DM-PRO-LO-C-008-O, section 8: Results over the MaxObjSize announced since are withheld, and the Get\'s Status, still waiting, says 413', () => {
    const out = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 10_000 });
    out.respond(status(3, 0, 'SyncHdr'), true);
    out.respond({ kind: 'Status', msgRef: '3', cmdRef: '4', cmd: 'Get', targetRefs: [], sourceRefs: [], data: '200', items: [] });
    out.respond({ kind: 'Results', msgRef: '3', cmdRef: '4', targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './Vendor/Log' }, data: 'l'.repeat(900) }] });
    out.updateLimits({ encoding: 'xml', maxMsgSize: 10_000, maxObjSize: 500 });
    const p = out.next(header(2));
    expect(p.message.syncBody.commands.map((c) => [c.kind, c.kind === 'Status' ? c.data : ''])).toEqual([
      ['Status', '200'],
      ['Status', '413'],
    ]);
    expect(p.withheld.map((d) => d.kind)).toEqual(['Results']);
  });

  it('DM-PRO-LO-S-007-M, section 8: a large object being sent in chunks stops when the peer lowers MaxObjSize below it; no later chunk goes', () => {
    const out = new OutgoingPackage({ encoding: 'wbxml', maxMsgSize: 1000 });
    out.send(big(5000));
    out.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    const first = out.next(header(1));
    expect(first.message.syncBody.commands[0]).toMatchObject({ kind: 'Replace', items: [{ moreData: true }] });
    out.updateLimits({ encoding: 'wbxml', maxMsgSize: 1000, maxObjSize: 3000 });
    const second = out.next(header(2));
    expect(second.message.syncBody.commands.map((c) => c.kind)).toEqual(['Get']);
    expect(second.withheld.map((d) => d.kind)).toEqual(['Replace']);
    expect(out.chunking).toBe(false);
  });

  it('DM-PRO-LO-S-007-M, section 8 ("the MaxObjSize remains in effect ... unless a new value is supplied in a subsequent message"): in a session, the server never sends an object over the MaxObjSize the client announced last', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 2000, serverMaxMsgSize: 10_000 });
    // Two objects in one package: the second waits for the next message (a package per
    // message), and the client's Status for the first lowers its MaxObjSize below it.
    pair.plan.push([big(1500, './Vendor/A'), big(1500, './Vendor/B')]);
    let lowered = false;
    pair.tamper = ({ from, message }) => {
      const answersA = message.syncBody.commands.some((c) => c.kind === 'Status' && c.cmd === 'Replace' && c.data === '200');
      if (from !== 'client' || lowered || !answersA) return message;
      lowered = true;
      return { ...message, syncHdr: { ...message.syncHdr, meta: { maxObjSize: '1000', emis: [] } } };
    };
    pair.run(40);
    const sent = pair.wire.filter((r) => r.from === 'server').flatMap((r) => r.message.syncBody.commands);
    const targets = sent.flatMap((c) => ((c as { items?: Item[] }).items ?? []).map((i) => i.target?.locURI));
    expect(targets).toContain('./Vendor/A');
    expect(targets).not.toContain('./Vendor/B');
    expect(pair.tree.has('./Vendor/B')).toBe(false);
    expect(lowered).toBe(true);
  });
});

describe('withheld commands reach the application (section 8)', () => {
  it('DM-PRO-LO-S-007-M, section 8: reply() names the commands it withholds for a MaxObjSize lowered since they were queued, so the server can fail them instead of waiting for a Status', () => {
    const c = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '9', maxMsgSize: 20_000, maxObjSize: 10_000 });
    const s = new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '9', maxMsgSize: 20_000 });
    s.receive(c.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] }).message);
    s.answerRemaining(200);
    const get: SyncBodyCommandDraft = { kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] };
    s.send(get);
    const first = s.reply()!;
    // A message that withholds nothing says nothing.
    expect(first.withheld).toBeUndefined();
    c.receive(first.message);
    c.answerRemaining(200);
    const answer = c.reply()!.message;
    // The device lowers its MaxObjSize in its next message, after the server queued a 2,000-byte Replace.
    const replace: SyncBodyCommandDraft = { kind: 'Replace', items: [{ target: { locURI: './Vendor/Big' }, data: 'b'.repeat(2000) }] };
    s.send(replace);
    s.receive({ ...answer, syncHdr: { ...answer.syncHdr, meta: { maxObjSize: '1000', emis: [] } } });
    const next = s.reply()!;
    expect(next.withheld).toEqual([replace]);
    expect(next.message.syncBody.commands.some((x) => x.kind === 'Replace')).toBe(false);
  });
});

describe('a refused message changes nothing (issue 9 §1: state that can be staged)', () => {
  it('next() that throws leaves the package as it was: nothing it took from the queues is lost, no Alert 1222 is left queued', () => {
    const nextMessage: SyncBodyCommandDraft = { kind: 'Alert', data: '1222', items: [] };
    const out = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 400 });
    out.respond(status(1, 0, 'SyncHdr'), true);
    out.respond(status(1, 1, 'Replace', ['./DevInfo/Ext/VendorSpecificLongName/Leaf']));
    out.send({ kind: 'Replace', items: [{ target: { locURI: './a' }, data: 'v' }] });
    const before = JSON.stringify(out.snapshot());
    let error: unknown;
    try {
      out.next(header(1), false, false, false, nextMessage);
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('message-too-small');
    expect(JSON.stringify(out.snapshot())).toBe(before);
    // With room, the same package packs as if nothing had been tried.
    out.updateLimits({ encoding: 'xml', maxMsgSize: 2000 });
    const fresh = OutgoingPackage.restore(JSON.parse(before) as ReturnType<OutgoingPackage['snapshot']>, { limits: { encoding: 'xml', maxMsgSize: 2000 } });
    expect(Buffer.from(out.next(header(1)).bytes).equals(Buffer.from(fresh.next(header(1)).bytes))).toBe(true);
  });
});
