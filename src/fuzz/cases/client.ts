/**
 * The cases of `omadm fuzz client`: the fuzzer is the DM server, each session a client
 * opens is the next case. Each checks one rule of the client's side (sections 6.3, 6.5,
 * 6.1.2, 7.2, 8, 9, 10.2), with the Appendix B id of B.1 where there is one.
 *
 * As in server mode, a case's session is a function of its parameters (`params`, a
 * fast-check arbitrary; `example` is the shape run first): the same parameters send the
 * same server messages, so a failure is shrunk to the smallest parameters that still fail
 * and kept as a reproducer (client-runner.ts).
 */
import fc from 'fast-check';
import { AlertCode, Format, StatusCode, statusFor, type SyncBodyCommandDraft, type SyncML, type Item } from '../../index.js';
import type { CaseKind, Level, Outcome, Rule } from '../case.js';
import { fail, pass, skip } from '../case.js';
import { alertsIn, answers, describeOwed, missing, owedStatuses, statusesIn } from '../checks.js';
import type { Conversation } from '../peer/server-driver.js';
import { CaseStop, code } from '../peer/play.js';

export interface ClientCase<P = unknown> extends Rule {
  readonly kind: CaseKind;
  readonly title: string;
  /** The shapes of the session (JSON-serialisable: they go into reproducers). */
  readonly params: fc.Arbitrary<P>;
  /** The shape run first (the case's plain form); the others are drawn from `params`. */
  readonly example?: P;
  /** Runs after the first, each one more session of the client; default 0. */
  readonly extraRuns?: number;
  run(conv: Conversation, params: P): Promise<Outcome>;
}

/**
 * Statuses for every command of the client message received last: the header's says how
 * its credentials were judged (200 when not checked); while they are not accepted, every
 * command gets the same 401/407 with the Chal (9.1).
 */
function statusesFor(conv: Conversation, m: SyncML): SyncBodyCommandDraft[] {
  const j = conv.judgement;
  const extra = j.chal ? { chal: j.chal } : {};
  const out: SyncBodyCommandDraft[] = [{ kind: 'Status', ...statusFor(m.syncHdr, j.status, extra) }];
  const code = j.accepted ? StatusCode.Ok : j.status;
  for (const c of m.syncBody.commands) if (c.kind !== 'Status' && c.kind !== 'Results') out.push({ kind: 'Status', ...statusFor({ msgRef: m.syncHdr.msgID, command: c }, code, j.accepted ? {} : extra) });
  return out;
}

/** Package#1, once the client is authenticated (challenged again, at most 3 times, as 9 says). */
async function openPackage(conv: Conversation): Promise<SyncML> {
  let p1 = await conv.receive('Package#1');
  for (let i = 0; i < 3 && !conv.judgement.accepted; i++) {
    conv.reply(statusesFor(conv, p1), true);
    p1 = await conv.receive('Package#1 again, with credentials');
  }
  if (!conv.judgement.accepted) throw new CaseStop(fail('the client to authenticate (Package#1 again, with the credentials asked for)', `Status ${conv.judgement.status} after 3 challenges`));
  return p1;
}

const get = (uri: string): SyncBodyCommandDraft => ({ kind: 'Get', items: [{ target: { locURI: uri } }] });

/** Ends the session: Statuses only, Final (the client sends nothing more). */
function close(conv: Conversation, m: SyncML): void {
  conv.reply(statusesFor(conv, m), true);
}

/** Declares a case (keeps its parameter type). */
function define<P>(c: ClientCase<P> & { level: Level }): ClientCase {
  return c as unknown as ClientCase;
}

const ONE_SHAPE = fc.constant(null);

export const clientSanity = define({
  id: 'dm-1.3/6.3/1',
  section: '6.3',
  pro: 'DM-PRO-Session-C-002',
  level: 'MUST',
  kind: 'sanity',
  title: 'Package#1 (session Alert, DevInfo Replace, Final), a Get answered, the session closed',
  requirement: 'The Final element MUST be used in the SyncBody for the message, which is the last in this package.',
  params: ONE_SHAPE,
  async run(conv) {
    const p1 = await openPackage(conv);
    const problems: string[] = [];
    if (p1.syncBody.final !== true) problems.push('no Final');
    if (!p1.syncBody.commands.some((c) => c.kind === 'Alert' && ['1200', '1201'].includes((c.data ?? '').trim()))) problems.push('no Alert 1200 or 1201');
    if (!p1.syncBody.commands.some((c) => c.kind === 'Replace')) problems.push('no Replace of DevInfo');
    if (problems.length > 0) return fail('Package#1 with Alert 1200/1201, the DevInfo Replace and Final', problems.join(', '));
    const p2 = conv.reply([...statusesFor(conv, p1), get('./DevInfo/Mod')], true);
    const p3 = await conv.receive('Package#3');
    if (missing(owedStatuses(p2), [p3]).length > 0) return fail('Statuses for the Get and our SyncHdr', 'some missing (see dm-1.3/6.5/1)');
    close(conv, p3);
    return pass();
  },
});

/** Which management commands Package#2 carries (shrinking leaves the ones a failure needs). */
export interface ManagementPlan {
  readonly get: boolean;
  readonly replace: boolean;
  readonly add: boolean;
  readonly delete: boolean;
  readonly exec: boolean;
}

function managementCommands(plan: ManagementPlan): SyncBodyCommandDraft[] {
  const chr = { format: Format.Character, emis: [] };
  const out: SyncBodyCommandDraft[] = [];
  if (plan.get) out.push(get('./DevInfo/Mod'));
  if (plan.replace) out.push({ kind: 'Replace', items: [{ target: { locURI: './omadm-fuzz/Value' }, meta: chr, data: 'x' }] });
  if (plan.add) out.push({ kind: 'Add', items: [{ target: { locURI: './omadm-fuzz/Added' }, meta: chr, data: 'y' }] });
  if (plan.delete) out.push({ kind: 'Delete', items: [{ target: { locURI: './omadm-fuzz/Added' } }] });
  if (plan.exec) out.push({ kind: 'Exec', item: { target: { locURI: './omadm-fuzz/Run' } } });
  return out;
}

export const statusForManagement = define<ManagementPlan>({
  id: 'dm-1.3/6.5/1',
  section: '6.5',
  pro: 'DM-PRO-C-008',
  level: 'MUST',
  kind: 'conformance',
  title: 'a Status for our SyncHdr and every management command of Package#2',
  requirement: 'Status MUST be returned in the SyncBody for management operations sent by the DM Server in Package#2.',
  // At least one command: a Package#2 with none ends the session (section 6), there is nothing to answer.
  params: fc.record({ get: fc.boolean(), replace: fc.boolean(), add: fc.boolean(), delete: fc.boolean(), exec: fc.boolean() }).filter((p) => Object.values(p).some((x) => x)),
  example: { get: true, replace: true, add: true, delete: true, exec: true },
  async run(conv, plan) {
    const p1 = await openPackage(conv);
    const p2 = conv.reply([...statusesFor(conv, p1), ...managementCommands(plan)], true);
    const p3 = await conv.receive('Package#3');
    const lost = missing(owedStatuses(p2), [p3]);
    if (lost.length > 0) return fail(`a Status for ${owedStatuses(p2).map(describeOwed).join(', ')}`, `no Status for ${lost.map(describeOwed).join(', ')}`);
    close(conv, p3);
    return pass();
  },
});

export const asksForMore = define({
  id: 'dm-1.3/7.2/4',
  section: '7.2',
  pro: 'DM-PRO-Mul-C-002',
  level: 'MUST',
  kind: 'conformance',
  title: "while our package is open, the client asks for the next message (1222) and sends no Final",
  requirement: 'The recipient of a DM package containing multiple messages MUST be able to ask for more messages.',
  params: ONE_SHAPE,
  async run(conv) {
    const p1 = await openPackage(conv);
    conv.reply([...statusesFor(conv, p1), get('./DevInfo/Mod')], false);
    const a = await conv.receive('the answer to the first message of Package#2');
    const problems: string[] = [];
    if (a.syncBody.final === true) problems.push('Final');
    if (alertsIn(a, AlertCode.NextMessage).length === 0 && !a.syncBody.commands.some((c) => c.kind === 'Results')) problems.push('neither Alert 1222 nor Results');
    if (problems.length > 0) return fail('Alert 1222 (or Results), no Final, while the server has not closed its package', problems.join(', '));
    const last = conv.reply([...statusesFor(conv, a), get('./DevInfo/Man')], true);
    const p3 = await conv.receive('Package#3');
    if (p3.syncBody.final !== true) return fail('Final on Package#3 once our package is closed', `message ${p3.syncHdr.msgID} has no Final`);
    void last;
    close(conv, p3);
    return pass();
  },
});

/** How a chunked object is sent: its size, in how many chunks, and what is added to the Size declared (0: the truth). */
export interface ChunkPlan {
  readonly size: number;
  readonly chunks: number;
  readonly sizeError: number;
}

const chunkPlan = (sizeError: fc.Arbitrary<number>): fc.Arbitrary<ChunkPlan> => fc.record({ size: fc.integer({ min: 8, max: 3000 }), chunks: fc.integer({ min: 2, max: 4 }), sizeError });

/** Chunks of a Replace of `plan.size` bytes of `fill` into `uri` (none empty). */
function chunks(plan: ChunkPlan, uri = './omadm-fuzz/Blob', fill = 'q'): SyncBodyCommandDraft[] {
  const { size } = plan;
  const data = fill.repeat(Math.ceil(size / fill.length)).slice(0, size);
  const step = Math.ceil(size / Math.min(plan.chunks, size));
  const out: SyncBodyCommandDraft[] = [];
  for (let at = 0, i = 0; at < size; at += step, i++) {
    const more = at + step < size;
    const item: Item = { target: { locURI: uri }, meta: { format: Format.Character, ...(i === 0 ? { size: String(size + plan.sizeError) } : {}), emis: [] }, data: data.slice(at, at + step), ...(more ? { moreData: true } : {}) };
    out.push({ kind: 'Replace', items: [item] });
  }
  return out;
}

/** Sends a chunked Replace, one chunk per message (Final on the last, unless `final` is false); the client's Status code for each chunk. */
async function sendChunks(conv: Conversation, first: SyncML, parts: SyncBodyCommandDraft[], final = true): Promise<{ codes: (number | undefined)[]; last: SyncML }> {
  let m = first;
  const codes: (number | undefined)[] = [];
  for (const [i, part] of parts.entries()) {
    const sent = conv.reply([...statusesFor(conv, m), part], final && i === parts.length - 1);
    m = await conv.receive(`the answer to chunk ${i + 1}`);
    const replace = sent.syncBody.commands.find((c) => c.kind === 'Replace')!;
    const s = statusesIn([m]).find((x) => answers(x, { msgID: sent.syncHdr.msgID, cmdID: replace.cmdID, kind: 'Replace' }));
    codes.push(s && code(s));
  }
  return { codes, last: m };
}

export const clientChunkAccepted = define<ChunkPlan>({
  id: 'dm-1.3/8/6',
  section: '8',
  pro: 'DM-PRO-LO-C-002',
  level: 'MUST',
  kind: 'conformance',
  title: 'a chunk with MoreData is answered 213',
  requirement: 'On receipt of a data object with the <MoreData/> element, the recipient MUST respond with a status response "213 – Chunked item accepted and buffered" and, if there are no other commands to be sent, ask for the next message using the Alert 1222 mechanism defined in Section 7.',
  params: chunkPlan(fc.constant(0)),
  example: { size: 600, chunks: 3, sizeError: 0 },
  async run(conv, plan) {
    const p1 = await openPackage(conv);
    const { codes, last } = await sendChunks(conv, p1, chunks(plan));
    if (codes.slice(0, -1).some((c) => c !== 213)) return fail('Status 213 for every chunk but the last', `chunks answered ${codes.map((c) => c ?? 'nothing').join(', ')}`);
    close(conv, last);
    return pass(`chunks answered ${codes.join(', ')}`);
  },
});

export const clientSizeMismatch = define<ChunkPlan>({
  id: 'dm-1.3/8/7',
  section: '8',
  pro: 'DM-PRO-LO-C-010',
  level: 'MUST',
  kind: 'conformance',
  title: 'an object whose chunks do not add up to its Size is answered 424',
  requirement: 'If the size does not match then error status 424 "Size mismatch" MUST be returned.',
  params: chunkPlan(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: -64, max: -1 }))),
  example: { size: 600, chunks: 3, sizeError: 40 },
  async run(conv, plan) {
    const p1 = await openPackage(conv);
    const { codes, last } = await sendChunks(conv, p1, chunks(plan));
    if (!codes.includes(424)) return fail(`Status 424 for the object (${plan.size} bytes sent, Size ${plan.size + plan.sizeError})`, `chunks answered ${codes.map((c) => c ?? 'nothing').join(', ')}`);
    close(conv, last);
    return pass();
  },
});

/** The node the keep-no-data case writes and reads back: a leaf of its own under the root. */
export const KEPT_NODE = './OmadmFuzzKept';
const KEPT_VALUE = 'omadm-fuzz: the value before';

/** How a chunked Replace is broken so that the client must refuse it: a wrong Size (424), or cut short by a new command (1225). */
export interface RefusedObjectPlan {
  readonly size: number;
  readonly chunks: number;
  readonly broken: 'size' | 'cut';
}

/** The value the client's Results give `uri` for the Get `get` of message `sent`; undefined when none came (`code` then says why). */
function resultOf(reply: SyncML, sent: SyncML, uri: string): { value?: string; code?: number } {
  const getCmd = sent.syncBody.commands.find((c) => c.kind === 'Get');
  if (!getCmd) return {};
  const results = reply.syncBody.commands.find((c) => c.kind === 'Results' && c.msgRef?.trim() === sent.syncHdr.msgID && c.cmdRef.trim() === getCmd.cmdID);
  const item = results?.kind === 'Results' ? results.items.find((i) => (i.source?.locURI ?? uri) === uri) : undefined;
  const s = statusesIn([reply]).find((x) => answers(x, { msgID: sent.syncHdr.msgID, cmdID: getCmd.cmdID, kind: 'Get' }));
  return { ...(item ? { value: item.data ?? '' } : {}), ...(s ? { code: code(s) } : {}) };
}

const quote = (v: string) => (v.length > 60 ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} characters)` : JSON.stringify(v));

export const refusedObjectKeepsNoData = define<RefusedObjectPlan>({
  id: 'dm-1.3/8/8',
  section: '8',
  pro: 'DM-PRO-LO-C-003',
  level: 'MUST',
  kind: 'robustness',
  title: 'a chunked Replace the client must refuse (wrong Size, or cut short by a new command) leaves the node as it was: a Get reads the old value',
  requirement: 'A command on a chunked object MUST implicitly be treated as atomic; i.e. the recipient can only commit the object once all chunks have been successfully received and reassembled.',
  params: fc.record({ size: fc.integer({ min: 8, max: 3000 }), chunks: fc.integer({ min: 2, max: 4 }), broken: fc.constantFrom('size' as const, 'cut' as const) }),
  example: { size: 600, chunks: 3, broken: 'size' },
  extraRuns: 1,
  async run(conv, plan) {
    const p1 = await openPackage(conv);
    // The node, with a value of ours: Add it (Replace too, in case it was there already), read it back.
    const meta = { format: Format.Character, type: 'text/plain', emis: [] };
    conv.reply([...statusesFor(conv, p1), { kind: 'Add', items: [{ target: { locURI: KEPT_NODE }, meta, data: KEPT_VALUE }] }, { kind: 'Replace', items: [{ target: { locURI: KEPT_NODE }, meta, data: KEPT_VALUE }] }], true);
    const p3 = await conv.receive('Package#3 (the Add and the Replace answered)');
    const read = conv.reply([...statusesFor(conv, p3), get(KEPT_NODE)], true);
    const p5 = await conv.receive('the Results of the Get');
    const before = resultOf(p5, read, KEPT_NODE);
    if (before.value !== KEPT_VALUE) {
      close(conv, p5);
      return skip(`the client keeps no node the server adds (${KEPT_NODE} read back ${before.value !== undefined ? quote(before.value) : `Status ${before.code ?? 'none'}`}): nothing to check`);
    }
    // The broken object: other data into the same node.
    const parts = chunks({ size: plan.size, chunks: plan.chunks, sizeError: plan.broken === 'size' ? 7 : 0 }, KEPT_NODE, 'omadm-fuzz: refused data. ');
    const sent = plan.broken === 'size' ? parts : parts.slice(0, -1);
    const { codes, last } = await sendChunks(conv, p5, sent, false);
    let m = last;
    if (plan.broken === 'cut') {
      // A new command where the last chunk should be: the object is cut short (1225).
      conv.reply([...statusesFor(conv, m), get('./DevInfo/Mod')], false);
      m = await conv.receive('the answer to the command that cut the object short');
    }
    const check = conv.reply([...statusesFor(conv, m), get(KEPT_NODE)], true);
    const after = await conv.receive('the Results of the Get after the refused object');
    const now = resultOf(after, check, KEPT_NODE);
    const how = plan.broken === 'size' ? `${plan.size} bytes in ${parts.length} chunks, Size ${plan.size + 7}, answered ${codes.map((c) => c ?? 'nothing').join(', ')}` : `${sent.length} of ${parts.length} chunks, then a Get in place of the last`;
    if (now.value !== KEPT_VALUE) return fail(`${KEPT_NODE} still ${quote(KEPT_VALUE)} after the refused object (${how})`, now.value !== undefined ? `it reads ${quote(now.value)}` : `no value (Status ${now.code ?? 'none'} for the Get)`);
    close(conv, after);
    return pass(how);
  },
});

export const clientUiAlert = define({
  id: 'dm-1.3/10.2/2',
  section: '10.2',
  pro: 'DM-PRO-UI-C-002',
  level: 'MUST',
  kind: 'conformance',
  title: 'a confirm Alert 1101 is answered with a Status (406 when not supported)',
  requirement: 'Clients MUST report 406: "Optional Feature Not Supported", if DM Client does not support the specific User Interaction Alerts type.',
  params: ONE_SHAPE,
  async run(conv) {
    const p1 = await openPackage(conv);
    const p2 = conv.reply([...statusesFor(conv, p1), { kind: 'Alert', data: String(AlertCode.ConfirmOrReject), items: [{ data: 'MINDT=1' }, { data: 'omadm fuzz: confirm?' }] }], true);
    const p3 = await conv.receive('Package#3');
    const alert = p2.syncBody.commands.find((c) => c.kind === 'Alert')!;
    if (!statusesIn([p3]).some((s) => answers(s, { msgID: p2.syncHdr.msgID, cmdID: alert.cmdID, kind: 'Alert' }))) return fail('a Status for the Alert 1101', 'none');
    close(conv, p3);
    return pass();
  },
});

export const clientAbort = define({
  id: 'dm-1.3/6.1.2/2',
  section: '6.1.2',
  pro: 'DM-PRO-Abort-C-002',
  level: 'SHOULD',
  kind: 'conformance',
  title: 'after our Alert 1223 the client sends nothing more',
  requirement: 'A client receiving Alert 1223 SHOULD NOT respond.',
  params: ONE_SHAPE,
  async run(conv) {
    const p1 = await openPackage(conv);
    conv.reply([...statusesFor(conv, p1), { kind: 'Alert', data: String(AlertCode.SessionAbort), items: [] }], true);
    const again = await conv.sendsAgain(1500);
    if (again) return fail('no message after the abort', `message ${again.syncHdr.msgID} came`);
    return pass();
  },
});

export const revertsToPackageOne = define({
  id: 'dm-1.3/9/2',
  section: '9',
  level: 'MUST',
  kind: 'conformance',
  title: 'challenged in Package#2, the client sends Package#1 again (Alert, DevInfo) with the credentials asked for',
  requirement: 'If the DM Server challenged the DM Client in Package#2, the DM Client MUST revert to Package#1 and MUST resend the Alert and DevInfo along with the credentials requested by the DM Server.',
  params: ONE_SHAPE,
  async run(conv) {
    const p1 = await openPackage(conv);
    const chal = conv.challenge();
    if (!chal) {
      close(conv, p1);
      return skip('the client is played without authentication (--auth none)');
    }
    // Challenged even though its credentials were right (a digest must then go over the new nonce).
    const statuses = statusesFor(conv, p1).map((d) => (d.kind === 'Status' ? { ...d, data: '401', chal } : d));
    conv.reply(statuses, true);
    const again = await conv.receive('Package#1 again, with credentials');
    const problems: string[] = [];
    if (!again.syncBody.commands.some((c) => c.kind === 'Alert' && ['1200', '1201'].includes((c.data ?? '').trim()))) problems.push('no Alert 1200/1201');
    if (!again.syncBody.commands.some((c) => c.kind === 'Replace')) problems.push('no DevInfo Replace');
    if (!conv.judgement.accepted) problems.push(`credentials refused (Status ${conv.judgement.status})`);
    if (problems.length > 0) return fail('Package#1 again: the Alert, the DevInfo and the right credentials', problems.join(', '));
    close(conv, again);
    return pass();
  },
});

export const clientCases: readonly ClientCase[] = [clientSanity, clientAbort, statusForManagement, asksForMore, clientChunkAccepted, clientSizeMismatch, refusedObjectKeepsNoData, revertsToPackageOne, clientUiAlert];

export function findClientCase(id: string): ClientCase | undefined {
  return clientCases.find((c) => c.id === id);
}
