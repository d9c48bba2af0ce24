/**
 * Model-based test of a whole session: a client and a server talk through the pair's
 * wire (really encoded and decoded) while the server runs an arbitrary plan of
 * packages; the model is the device tree the plan should leave behind. After the run
 * every protocol invariant is checked on the recorded wire.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item, Status, SyncBodyCommand, SyncML } from '../../generated/types.js';
import { AlertCode } from '../../generated/codes.js';
import type { Encoding } from '../../src/session/message-size.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { Pair, type WireRecord } from './pair.js';

const uris = ['./Vendor/A', './Vendor/B', './Vendor/C/D', './DevInfo/Man'];

/** Data up to `large` characters: mostly short, sometimes a large object, with multi-byte and escaped characters. */
const data = (large: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: large }), fc.constantFrom('QUJD', 'x<&', 'é€', 'a😀'))
        .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))),
    },
  );

const leaf = (large: number): fc.Arbitrary<SyncBodyCommandDraft> =>
  fc.oneof(
    fc.record({ kind: fc.constant('Get' as const), items: fc.tuple(fc.record({ target: fc.record({ locURI: fc.constant('./DevInfo/Man') }) })) }),
    fc.record({ kind: fc.constant('Replace' as const), items: fc.tuple(fc.record({ target: fc.record({ locURI: fc.constantFrom(...uris) }), data: data(large) })) }),
    fc.record({ kind: fc.constant('Add' as const), items: fc.tuple(fc.record({ target: fc.record({ locURI: fc.constantFrom(...uris) }), data: data(large) })) }),
    fc.record({ kind: fc.constant('Delete' as const), items: fc.tuple(fc.record({ target: fc.record({ locURI: fc.constantFrom(...uris.slice(0, 3)) }) })) }),
  ) as fc.Arbitrary<SyncBodyCommandDraft>;

const small = leaf(0).filter((d) => JSON.stringify(d).length < 200);
const container: fc.Arbitrary<SyncBodyCommandDraft> = fc.record({
  kind: fc.constantFrom('Atomic' as const, 'Sequence' as const),
  commands: fc.array(small, { minLength: 1, maxLength: 3 }),
}) as fc.Arbitrary<SyncBodyCommandDraft>;

const scenario = fc
  .record({
    encoding: fc.constantFrom<Encoding>('xml', 'wbxml'),
    // Below about 1 KB a Next Message round trip (a Status for the SyncHdr and one for
    // Alert 1222 each way) fills a message by itself, and no package can make progress.
    clientMaxMsgSize: fc.integer({ min: 1000, max: 64 * 1024 }),
    serverMaxMsgSize: fc.integer({ min: 1000, max: 64 * 1024 }),
  })
  .chain((s) => {
    const large = Math.min(4 * 1024 * 1024, Math.min(s.clientMaxMsgSize, s.serverMaxMsgSize) * 60);
    const command = s.clientMaxMsgSize >= 2000 ? fc.oneof({ weight: 5, arbitrary: leaf(large) }, { weight: 1, arbitrary: container }) : leaf(large);
    return fc.record({
      ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fc.constant(v)])),
      plan: fc.array(fc.array(command, { minLength: 1, maxLength: 5 }), { maxLength: 4 }),
    }) as fc.Arbitrary<typeof s & { plan: SyncBodyCommandDraft[][] }>;
  });

/** The device tree the plan should leave (what the model says). */
function expectedTree(start: Map<string, string>, plan: SyncBodyCommandDraft[][]): Map<string, string> {
  const tree = new Map(start);
  const apply = (d: SyncBodyCommandDraft): void => {
    const items: Item[] = (d as { items?: Item[] }).items ?? [];
    if (d.kind === 'Replace' || d.kind === 'Add') for (const i of items) tree.set(i.target!.locURI, i.data ?? '');
    if (d.kind === 'Delete') for (const i of items) tree.delete(i.target!.locURI);
    if (d.kind === 'Atomic' || d.kind === 'Sequence') for (const c of d.commands) apply(c as SyncBodyCommandDraft);
  };
  for (const p of plan) for (const d of p) apply(d);
  return tree;
}

const isAlert = (c: SyncBodyCommand, code: number): boolean => c.kind === 'Alert' && c.data === String(code);
const statusesOf = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');

/** Every command and nested command of a message that needs a Status. */
function needingStatus(m: SyncML): SyncBodyCommand[] {
  const out: SyncBodyCommand[] = [];
  const walk = (c: SyncBodyCommand): void => {
    if (c.kind === 'Status' || c.kind === 'Results') return;
    if (!(c as { noResp?: boolean }).noResp) out.push(c);
    for (const n of (c as { commands?: SyncBodyCommand[] }).commands ?? []) walk(n);
  };
  m.syncBody.commands.forEach(walk);
  return out;
}

function checkWire(wire: readonly WireRecord[]): void {
  // Every message within the receiver's MaxMsgSize, in the encoding in use.
  for (const r of wire) expect(r.bytes.length, `${r.from} message ${r.message.syncHdr.msgID}`).toBeLessThanOrEqual(r.limit);

  // Every command needing a Status gets exactly one, naming its MsgRef and CmdRef; the SyncHdr too.
  for (const side of ['client', 'server'] as const) {
    const sent = wire.filter((r) => r.from === side);
    const answers = wire.filter((r) => r.from !== side).flatMap((r) => statusesOf(r.message));
    const count = (msgRef: string, cmdRef: string): number => answers.filter((s) => s.msgRef === msgRef && s.cmdRef === cmdRef).length;
    sent.forEach((r, i) => {
      const msgID = r.message.syncHdr.msgID;
      const answered = i < sent.length - 1 || wire[wire.length - 1] !== r; // the very last message gets no answer
      for (const c of needingStatus(r.message)) {
        expect(count(msgID, c.cmdID), `${side} ${msgID}:${c.cmdID} <${c.kind}>`).toBe(answered ? 1 : 0);
      }
      if (answered) expect(count(msgID, '0'), `${side} ${msgID} SyncHdr`).toBe(1);
    });
    // No Status answers a Status or Results.
    for (const s of answers) expect(['Status', 'Results']).not.toContain(s.cmd);
  }

  // Server messages: a Next Message response has no Final and no new command; any other
  // message has Final unless it carries a chunk with MoreData (a large object in progress).
  for (const r of wire.filter((x) => x.from === 'server')) {
    const cmds = r.message.syncBody.commands;
    const chunking = cmds.some((c) => ((c as { items?: Item[] }).items ?? []).some((i) => i.moreData));
    if (cmds.some((c) => isAlert(c, AlertCode.NextMessage))) {
      expect(r.message.syncBody.final).toBeUndefined();
      expect(cmds.every((c) => c.kind === 'Status' || c.kind === 'Alert')).toBe(true);
    } else if (chunking) {
      expect(r.message.syncBody.final).toBeUndefined();
    } else if (r.message.syncBody.final === undefined) {
      // Only responses that did not all fit may leave the package open.
      expect(cmds.every((c) => c.kind === 'Status' || c.kind === 'Results'), `server message ${r.message.syncHdr.msgID}`).toBe(true);
    }
  }

  // Chunks: contiguous, Size on the first only, MoreData on all but the last (both directions).
  for (const side of ['client', 'server'] as const) {
    let open: string | undefined;
    for (const r of wire.filter((x) => x.from === side)) {
      for (const c of r.message.syncBody.commands) {
        if (c.kind === 'Status' || (c.kind === 'Alert' && !(c.items ?? []).length)) continue;
        for (const item of (c as { items?: Item[] }).items ?? []) {
          const uri = item.target?.locURI ?? item.source?.locURI;
          if (open !== undefined) {
            expect(uri, 'a chunk continues the same object').toBe(open);
            expect(item.meta?.size).toBeUndefined();
          } else if (item.moreData) {
            expect(item.meta?.size).toBeDefined();
          }
          open = item.moreData ? uri : undefined;
        }
      }
    }
    expect(open, 'no object left unfinished').toBeUndefined();
  }
}

describe('a whole session, model-based (sections 6 to 8)', () => {
  it('every message within MaxMsgSize, Final where it belongs, chunks contiguous, one Status per command, the device ends as the plan says, in finite steps', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        if (process.env['OMADM_DUMP_SCENARIO']) writeFileSync(process.env['OMADM_DUMP_SCENARIO'], JSON.stringify(s));
        const pair = new Pair({ encoding: s.encoding, clientMaxMsgSize: s.clientMaxMsgSize, serverMaxMsgSize: s.serverMaxMsgSize });
        const want = expectedTree(pair.tree, s.plan);
        pair.plan.push(...s.plan.map((p) => [...p]));
        let ended: boolean;
        try {
          ended = pair.run(20_000);
        } catch (e) {
          // Only a command that no message could hold may be refused.
          if (isLocalProtocolError(e) && (e.problem === 'command-too-large' || e.problem === 'message-too-small')) return;
          throw e;
        }
        expect(ended, 'the session ends').toBe(true);
        expect(pair.server.ended && pair.client.ended).toBe(true);
        expect(pair.plan).toEqual([]);
        checkWire(pair.wire);
        expect(new Map([...pair.tree].sort())).toEqual(new Map([...want].sort()));
        expect(pair.serverEvents.filter((e) => e.type === 'status-missing' || e.type === 'protocol-error' || e.type === 'object-lost')).toEqual([]);
      }),
      { numRuns: 80, endOnFailure: true },
    );
  }, 240_000);
});
