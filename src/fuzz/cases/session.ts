/**
 * Section 6 (the session, Package#1 to #4), 6.1.2 (abort), 6.4 (Package#2), 6.7 (Generic
 * Alert): the sanity case and the conformance cases of the session's shape.
 */
import fc from 'fast-check';
import { AlertCode, StatusCode, type SyncBodyCommandDraft } from '../../index.js';
import { defineCase, fail, pass, type FuzzCase } from '../case.js';
import { answers, describeOwed, missing, newCommands, owedStatuses, statusesIn, strayStatuses } from '../checks.js';
import { answersTo, expectMessage, headerStatusDraft, open, packageOne } from '../peer/play.js';
import { after, genericAlert, plainSession, replies } from './common.js';

export const sanity: FuzzCase = defineCase({
  id: 'dm-1.3/6/1',
  section: '6',
  pro: 'DM-PRO-Session-S-002',
  level: 'MUST',
  kind: 'sanity',
  title: 'a plain session: Package#1, answered, played to its end',
  requirement: 'A server MUST send response packages to all client packages.',
  params: fc.constant(null),
  async run(ctx) {
    const played = await plainSession(ctx);
    const n = played.exchanges.length;
    return pass(`${n} message${n === 1 ? '' : 's'} each way`);
  },
});

export const statusForHeaderAndAlerts: FuzzCase = defineCase({
  id: 'dm-1.3/6.4/1',
  section: '6.4',
  pro: 'DM-PRO-S-008',
  level: 'MUST',
  kind: 'conformance',
  title: 'a Status for the SyncHdr and for every Alert of Package#1',
  requirement: 'The Status MUST be returned in the SyncBody for the SyncHdr and Alerts sent by the DM Client.',
  params: fc.integer({ min: 0, max: 3 }),
  extraRuns: 1,
  async run(ctx, alerts: number) {
    const played = await plainSession(ctx, { extra: Array.from({ length: alerts }, (_, i) => genericAlert(i + 1)) });
    const owed = owedStatuses(played.opening.sent).filter((o) => o.kind === 'SyncHdr' || o.kind === 'Alert');
    const lost = missing(owed, replies(after(played, played.opening)));
    if (lost.length > 0) return fail(`a Status for ${owed.map(describeOwed).join(', ')}`, `no Status for ${lost.map(describeOwed).join(', ')}`);
    return pass();
  },
});

export const statusReferences: FuzzCase = defineCase({
  id: 'dm-1.3/6.4/2',
  section: '6.4',
  pro: 'DM-PRO-S-008',
  level: 'MUST',
  kind: 'conformance',
  title: 'every Status names a command of ours by MsgRef, CmdRef and Cmd',
  requirement: 'The Status MUST be returned in the SyncBody for the SyncHdr and Alerts sent by the DM Client.',
  params: fc.integer({ min: 0, max: 2 }),
  async run(ctx, alerts: number) {
    const played = await plainSession(ctx, { extra: Array.from({ length: alerts }, (_, i) => genericAlert(i + 1)) });
    const stray = strayStatuses(played.exchanges.map((e) => e.sent), replies(played.exchanges));
    if (stray.length > 0) return fail('each Status to name, by MsgRef, CmdRef and Cmd, a command we sent in that message', stray.join('; '));
    return pass();
  },
});

/** Generic Alert status codes 6.7 allows. */
const GENERIC_ALERT_CODES: readonly number[] = [200, 202, 401, 406, 407, 412, 415, 500];

export const genericAlertStatus: FuzzCase = defineCase({
  id: 'dm-1.3/6.7/1',
  section: '6.7',
  pro: 'DM-PRO-GAlert-S-001',
  level: 'MUST',
  kind: 'conformance',
  title: 'a Status for every Generic Alert, with a code 6.7 allows',
  requirement: 'After the DM Server has received the Generic Alert, the DM Server MUST respond with the status for how the DM Server handles all Items.',
  params: fc.record({ alerts: fc.integer({ min: 1, max: 3 }), items: fc.integer({ min: 1, max: 3 }) }),
  async run(ctx, p: { alerts: number; items: number }) {
    const played = await plainSession(ctx, { extra: Array.from({ length: p.alerts }, (_, i) => genericAlert(i + 1, p.items)) });
    const sent = played.opening.sent;
    const owed = owedStatuses(sent).filter((o) => o.kind === 'Alert' && sent.syncBody.commands.some((c) => c.kind === 'Alert' && c.cmdID === o.cmdID && (c.data ?? '').trim() === '1226'));
    const statuses = statusesIn(replies(after(played, played.opening)));
    for (const o of owed) {
      const s = statuses.find((x) => answers(x, o));
      if (!s) return fail(`a Status for the Generic Alert CmdID ${o.cmdID}`, 'none');
      const c = Number(s.data.trim());
      if (!GENERIC_ALERT_CODES.includes(c)) return fail(`status ${GENERIC_ALERT_CODES.join(', ')} for the Generic Alert CmdID ${o.cmdID}`, `status ${s.data.trim()}`);
    }
    return pass();
  },
});

export const abortAnswer: FuzzCase = defineCase({
  id: 'dm-1.3/6.1.2/1',
  section: '6.1.2',
  pro: 'DM-PRO-Abort-S-002',
  level: 'MUST',
  kind: 'conformance',
  title: 'an Alert 1223 is answered with Statuses for it and the SyncHdr, and no new command',
  requirement: 'A server receiving this alert SHOULD respond with a message that MUST contain status for the Alert and the SyncHdr and no new commands.',
  params: fc.boolean(),
  async run(ctx, inPackageOne: boolean) {
    const session = ctx.session();
    const abort: SyncBodyCommandDraft = { kind: 'Alert', data: String(AlertCode.SessionAbort), items: [] };
    let ex = await open(session, { commands: [...packageOne(session.config.devId), ...(inPackageOne ? [abort] : [])], final: true });
    if (!inPackageOne) {
      // The device gives up after Package#2: the answers owed (214: not run), then the abort.
      const reply = expectMessage(ex);
      const { answers: owed, pending } = answersTo(reply, session.config.devId);
      const cancelled = owed.map((d) => (d.kind === 'Status' ? { ...d, data: String(StatusCode.OperationCancelled), items: [] } : d)).filter((d) => d.kind === 'Status');
      // A Package#2 that closed the session leaves nothing to abort: abort in a new session's Package#1.
      ex = pending > 0 || reply.syncBody.final !== true
        ? await session.send({ commands: [headerStatusDraft(session, reply), ...cancelled, abort], final: true })
        : await open(ctx.session(), { commands: [...packageOne(session.config.devId), abort], final: true });
    }
    const reply = expectMessage(ex, 'a DM message answering the abort');
    const owed = owedStatuses(ex.sent).filter((o) => o.kind === 'SyncHdr' || (o.kind === 'Alert' && ex.sent.syncBody.commands.some((c) => c.kind === 'Alert' && c.cmdID === o.cmdID && (c.data ?? '').trim() === '1223')));
    const lost = missing(owed, [reply]);
    if (lost.length > 0) return fail('a Status for the SyncHdr and for the Alert 1223', `no Status for ${lost.map(describeOwed).join(', ')}`);
    const extra = newCommands(reply);
    if (extra.length > 0) return fail('no new command after the abort', `${extra.map((c) => `<${c.kind}>`).join(', ')}`);
    return pass();
  },
});

export const sessionCases: readonly FuzzCase[] = [statusForHeaderAndAlerts, statusReferences, genericAlertStatus, abortAnswer];
