/**
 * Robustness: nearly valid and hostile messages. The server must refuse cleanly (a DM
 * message, or an HTTP 4xx refusal: never a 5xx, a dropped connection or silence) and stay
 * up (a plain session right after it still works).
 */
import fc from 'fast-check';
import { AlertCode, isEncodeError, type SyncBodyCommandDraft, type SyncML, type SyncBodyCommand } from '../../index.js';
import { messageArbitrary } from '../../arbitraries.js';
import { defineCase, pass, type CaseContext, type FuzzCase, type Outcome } from '../case.js';
import type { Exchange } from '../peer/client-driver.js';
import { CaseStop, open, packageOne, playOn, replyProblem } from '../peer/play.js';
import { applyMutation, applyTamper, mutationArbitrary, tamperArbitrary, type Mutation, type Tamper } from '../mutators.js';

const SESSION_RULE = 'A server MUST send response packages to all client packages.';

/** A clean answer: a DM message or an HTTP 4xx; otherwise the crash / hang / fail outcome. */
function refusedCleanly(ex: Exchange): Outcome | undefined {
  if (ex.reply.kind === 'invalid') return { verdict: 'fail', expected: 'a DM message or an HTTP refusal', observed: `an answer that is no valid DM message: ${ex.reply.reason}` };
  if (ex.reply.kind === 'http' && ex.reply.status < 500) return undefined;
  return replyProblem(ex.reply);
}

/** The server still plays a plain session. */
async function stillUp(ctx: CaseContext, after: string): Promise<Outcome> {
  const session = ctx.session();
  try {
    const first = await open(session, { commands: packageOne(session.config.devId), final: true });
    await playOn(session, first);
  } catch (e) {
    if (e instanceof CaseStop) {
      const o = e.outcome;
      return o.verdict === 'fail' ? { verdict: 'fail', expected: `a plain session to work after ${after}`, observed: o.observed } : { verdict: o.verdict === 'pass' || o.verdict === 'skip' ? 'crash' : o.verdict, detail: `after ${after}: ${'detail' in o ? o.detail : ''}` };
    }
    throw e;
  }
  return pass();
}

export const hostileMessages: FuzzCase = defineCase({
  id: 'dm-1.3/6/2',
  section: '6',
  level: 'MUST',
  kind: 'robustness',
  title: 'hostile Package#1 (cut, flipped, garbage, invalid WBXML, deep nesting, entities, missing CmdID ...) is refused cleanly',
  requirement: SESSION_RULE,
  params: mutationArbitrary,
  extraRuns: 15,
  async run(ctx, m: Mutation) {
    const session = ctx.session();
    const ex = await session.send({ commands: packageOne(session.config.devId), final: true, mutate: (bytes) => applyMutation(m, bytes) });
    const bad = refusedCleanly(ex);
    if (bad) return bad;
    return stillUp(ctx, `a Package#1 with mutation ${m.op}`);
  },
});

export const nearlyValidMessages: FuzzCase = defineCase({
  id: 'dm-1.3/6/3',
  section: '6',
  level: 'MUST',
  kind: 'robustness',
  title: 'nearly valid Package#1 (reordered, duplicate CmdID, wrong Size, oversized item, odd header, bad Cred ...) is answered',
  requirement: SESSION_RULE,
  params: tamperArbitrary,
  extraRuns: 10,
  async run(ctx, t: Tamper) {
    const session = ctx.session();
    let ex: Exchange;
    try {
      ex = await session.send({ commands: packageOne(session.config.devId), final: true, transform: (msg) => applyTamper(t, msg) });
    } catch (e) {
      if (isEncodeError(e)) return pass(`not sent: ${t.op} cannot be encoded (${e.message})`);
      throw e;
    }
    const bad = refusedCleanly(ex);
    if (bad) return bad;
    return stillUp(ctx, `a Package#1 with ${t.op}`);
  },
});

export const duplicateMsgID: FuzzCase = defineCase({
  id: 'dm-1.3/5.1/2',
  section: '5.1',
  level: 'MUST',
  kind: 'robustness',
  title: 'a message sent again with the same MsgID (a lost answer) is answered, and the server stays up',
  requirement: 'Each message in a Package has to be responded to individually.',
  params: fc.record({ sameContent: fc.boolean(), final: fc.boolean() }),
  async run(ctx, p: { sameContent: boolean; final: boolean }) {
    const session = ctx.session();
    const spec = { commands: packageOne(session.config.devId), final: p.final };
    const first = await session.send(spec);
    const bad = refusedCleanly(first);
    if (bad) return bad;
    const again = await session.send({ ...spec, msgID: first.msgID, ...(p.sameContent ? {} : { commands: [{ kind: 'Alert', data: String(AlertCode.GenericAlert), items: [{ data: 'different' }] } as SyncBodyCommandDraft] }) });
    const worse = refusedCleanly(again);
    if (worse) return worse;
    return stillUp(ctx, 'a duplicate MsgID');
  },
});

/** Commands a DM client must not send (section 6); the server must still answer. */
const FORBIDDEN: readonly SyncBodyCommandDraft[] = [
  { kind: 'Add', items: [{ target: { locURI: './omadm-fuzz/Node' }, data: 'x' }] },
  { kind: 'Delete', items: [{ target: { locURI: './omadm-fuzz/Node' } }] },
  { kind: 'Exec', item: { target: { locURI: './omadm-fuzz/Run' } } },
  { kind: 'Get', items: [{ target: { locURI: './omadm-fuzz/Node' } }] },
  { kind: 'Copy', items: [{ target: { locURI: './omadm-fuzz/A' }, source: { locURI: './omadm-fuzz/B' } }] },
  { kind: 'Replace', items: [{ target: { locURI: './omadm-fuzz/NotDevInfo' }, data: 'x' }] },
  { kind: 'Sequence', commands: [{ kind: 'Get', items: [{ target: { locURI: './omadm-fuzz/Node' } }] }] } as unknown as SyncBodyCommandDraft,
  { kind: 'Atomic', commands: [{ kind: 'Delete', items: [{ target: { locURI: './omadm-fuzz/Node' } }] }] } as unknown as SyncBodyCommandDraft,
];

export const forbiddenCommands: FuzzCase = defineCase({
  id: 'dm-1.3/6/4',
  section: '6',
  level: 'MUST',
  kind: 'robustness',
  title: 'a command no DM client may send (Add, Exec, Get, Atomic ...) is answered, not crashed on',
  requirement: 'The DM Client MUST NOT send any commands other than Replace command containing DevInfo, Results and Alert to the DM Server.',
  params: fc.constant(null),
  async run(ctx) {
    // One session per command; the first that is not answered cleanly is the failure.
    for (const command of FORBIDDEN) {
      const session = ctx.session();
      const ex = await open(session, { commands: packageOne(session.config.devId, [command]), final: true });
      const bad = refusedCleanly(ex);
      if (bad) return bad.verdict === 'fail' ? bad : { verdict: bad.verdict, detail: `a <${command.kind}> from the client: ${'detail' in bad ? bad.detail : ''}` };
      if (ex.reply.kind === 'message') await playOn(session, ex);
    }
    return stillUp(ctx, 'commands no client may send');
  },
});

/** What a client may send: Alert, Replace, Results, Status (section 6). */
const CLIENT_KINDS: ReadonlySet<string> = new Set(['Alert', 'Replace', 'Results', 'Status']);

/** Arbitrary valid messages, cut down to the commands a client may send, addressed as our device. */
export const clientMessageArbitrary: fc.Arbitrary<SyncML> = messageArbitrary({ maxDepth: 1, maxItems: 2 }).map((m) => {
  const kept = m.syncBody.commands.filter((c: SyncBodyCommand) => CLIENT_KINDS.has(c.kind));
  return { ...m, syncBody: { ...m.syncBody, commands: (kept.length > 0 ? kept : [{ kind: 'Alert', cmdID: '1', items: [], data: '1201' }]) as SyncML['syncBody']['commands'] } };
});

export const arbitraryMessages: FuzzCase = defineCase({
  id: 'dm-1.3/6/5',
  section: '6',
  level: 'MUST',
  kind: 'robustness',
  title: "valid messages from the generated arbitraries (a client's commands, random values) are answered",
  requirement: SESSION_RULE,
  params: clientMessageArbitrary,
  extraRuns: 10,
  async run(ctx, m: SyncML) {
    const session = ctx.session();
    const ex = await session.send({
      commands: [{ kind: 'Alert', data: String(AlertCode.ClientInitiatedSession), items: [] }],
      final: m.syncBody.final === true,
      transform: (built) => ({ syncHdr: { ...m.syncHdr, sessionID: built.syncHdr.sessionID, msgID: built.syncHdr.msgID, target: built.syncHdr.target, source: built.syncHdr.source, ...(built.syncHdr.cred ? { cred: built.syncHdr.cred } : {}) }, syncBody: m.syncBody }),
    });
    const bad = refusedCleanly(ex);
    if (bad) return bad;
    return stillUp(ctx, 'an arbitrary message');
  },
});

export const robustnessCases: readonly FuzzCase[] = [hostileMessages, nearlyValidMessages, duplicateMsgID, forbiddenCommands, arbitraryMessages];
