/**
 * Section 5.1 (a message within the size the recipient can take) and 7.2 (multiple
 * messages in a package: Final on the last one only, the Next Message response, Final
 * whenever possible).
 */
import fc from 'fast-check';
import { AlertCode, type SyncBodyCommandDraft, type SyncML } from '../../index.js';
import { defineCase, fail, pass, skip, type FuzzCase, type CaseContext } from '../case.js';
import { alertsIn, describeOwed, hasMoreData, missing, newCommands, owedStatuses } from '../checks.js';
import type { Exchange, PeerSession } from '../peer/client-driver.js';
import { answersTo, expectMessage, headerStatusDraft, open, packageOne, playOn } from '../peer/play.js';
import { genericAlert, plainSession, replies } from './common.js';

/** A MaxMsgSize small enough that the Statuses for a dozen Alerts need several messages. */
export function smallMaxMsgSize(ctx: CaseContext): number {
  return ctx.encoding === 'wbxml' ? 600 : 1200;
}

const alerts = (n: number): SyncBodyCommandDraft[] => Array.from({ length: n }, (_, i) => genericAlert(i + 1));

export const withinMaxMsgSize: FuzzCase = defineCase({
  id: 'dm-1.3/5.1/1',
  section: '5.1',
  level: 'MUST',
  kind: 'conformance',
  title: 'no message larger than the MaxMsgSize we announced (SyncHdr Meta)',
  requirement: 'However, in cases where the information to be transferred between the originator and the recipient exceeds the size limitation of a DM message, the information can be sent over multiple messages within the same Package.',
  params: fc.integer({ min: 12, max: 20 }),
  async run(ctx, n: number) {
    const limit = smallMaxMsgSize(ctx);
    const played = await plainSession(ctx, { extra: alerts(n), maxMsgSize: limit });
    for (const [i, e] of played.exchanges.entries()) {
      if (e.reply.kind === 'message' && e.reply.bytes.byteLength > limit) {
        return fail(`every message at most MaxMsgSize ${limit} bytes`, `message ${e.reply.message.syncHdr.msgID} (answer ${i + 1}) is ${e.reply.bytes.byteLength} bytes`);
      }
    }
    return pass();
  },
});

/** Answers a server message as a plain device, without Final, asking for the next one. */
function askForMore(session: PeerSession, m: SyncML): Promise<Exchange> {
  const { answers } = answersTo(m, session.config.devId);
  return session.send({ commands: [headerStatusDraft(session, m), ...answers, { kind: 'Alert', data: String(AlertCode.NextMessage), items: [] }], final: false });
}

export const finalOnLastMessage: FuzzCase = defineCase({
  id: 'dm-1.3/7.2/1',
  section: '7.2',
  pro: 'DM-PRO-Mul-S-001',
  level: 'MUST',
  kind: 'conformance',
  title: 'Final on the last message of a package that spans messages, and on no other',
  requirement: 'If a DM package is transferred in multiple DM messages, the last message in the package MUST include the Final element [DMREPPRO]. Other messages belonging to the package MUST NOT include the Final element.',
  params: fc.integer({ min: 12, max: 20 }),
  async run(ctx, n: number) {
    const session = ctx.session();
    const opening = await open(session, { commands: packageOne(session.config.devId, alerts(n)), final: true, maxMsgSize: smallMaxMsgSize(ctx) });
    const owed = owedStatuses(opening.sent);
    const seen: SyncML[] = [];
    let ex = opening;
    for (let i = 0; i < 24; i++) {
      const m = expectMessage(ex);
      seen.push(m);
      if (m.syncBody.final !== true) {
        ex = await askForMore(session, m);
        continue;
      }
      if (hasMoreData(m)) return fail('no Final on a message whose object goes on (MoreData)', `message ${m.syncHdr.msgID} has Final and an item with MoreData`);
      const lost = missing(owed, seen);
      if (lost.length === 0) break;
      // Final came while Statuses for Package#1 are still owed: ask whether the package goes on.
      const probe = await askForMore(session, m);
      // A server whose package did end may refuse a message after it: nothing followed the Final.
      if (probe.reply.kind !== 'message') return pass('Final came before every Status did (see dm-1.3/6.4/1), and nothing followed it');
      const next = probe.reply.message;
      const found = lost.filter((o) => !missing([o], [next]).length);
      if (found.length > 0) {
        return fail(`Final only on the last message of the package`, `message ${m.syncHdr.msgID} has Final, and message ${next.syncHdr.msgID} still carries the package's Status for ${found.map(describeOwed).join(', ')}`);
      }
      return pass('Final came before every Status did (see dm-1.3/6.4/1), and nothing followed it');
    }
    if (seen.length < 2) return skip('the answer to Package#1 fit in one message: no package over several messages to check');
    await playOn(session, ex);
    return pass(`the answer to Package#1 took ${seen.length} messages`);
  },
});

export const nextMessageResponse: FuzzCase = defineCase({
  id: 'dm-1.3/7.2/2',
  section: '7.2',
  pro: 'DM-PRO-Mul-S-002',
  level: 'MUST',
  kind: 'conformance',
  title: 'a client package still open is answered with the Next Message response (1222, no command, no Final)',
  requirement: 'The "Next Message" response contains Alert code 1222 (or 1223 to abort), status to the SyncHdr, no other commands, and no Final flag.',
  params: fc.integer({ min: 1, max: 3 }),
  async run(ctx, rest: number) {
    const session = ctx.session();
    const first = await open(session, { commands: packageOne(session.config.devId), final: false });
    const m = expectMessage(first);
    const problems: string[] = [];
    if (m.syncBody.final === true) problems.push('Final');
    if (alertsIn(m, AlertCode.NextMessage).length + alertsIn(m, AlertCode.SessionAbort).length === 0) problems.push('no Alert 1222');
    const other = newCommands(m).filter((c) => !(c.kind === 'Alert' && (c.data ?? '').trim() === '1223'));
    if (other.length > 0) problems.push(`commands ${other.map((c) => `<${c.kind}>`).join(', ')}`);
    if (missing([{ msgID: first.msgID, cmdID: '0', kind: 'SyncHdr' }], [m]).length > 0) problems.push('no Status for the SyncHdr');
    if (problems.length > 0) return fail('Alert 1222, a Status for the SyncHdr, no other command, no Final', `message ${m.syncHdr.msgID}: ${problems.join(', ')}`);
    const last = await session.send({ commands: alerts(rest), final: true });
    await playOn(session, last);
    return pass();
  },
});

export const finalWhenPossible: FuzzCase = defineCase({
  id: 'dm-1.3/7.2/3',
  section: '7.2',
  level: 'MUST',
  kind: 'conformance',
  title: 'Final on every message but a Next Message response or one with a chunk',
  requirement: 'A DM Server MUST send the Final flag in every message, when possible.',
  params: fc.constant(null),
  async run(ctx) {
    const played = await plainSession(ctx);
    for (const m of replies(played.exchanges)) {
      const nextMessage = alertsIn(m, AlertCode.NextMessage).length > 0;
      if (m.syncBody.final !== true && !nextMessage && !hasMoreData(m)) return fail('Final on every message that is no Next Message response and carries no chunk', `message ${m.syncHdr.msgID} has no Final`);
    }
    return pass();
  },
});

export const multipleMessageCases: readonly FuzzCase[] = [withinMaxMsgSize, finalOnLastMessage, nextMessageResponse, finalWhenPossible];
