/**
 * Playing a session on from a case's opening, as an ordinary device would: answer each of
 * the server's commands (a Status each, Results for a Get of a DevInfo node we sent, 213
 * for a chunk), ask for more with Alert 1222 while the server's package is open, and stop
 * when the server's package holds nothing to answer (section 6: that answer "MUST NOT be
 * sent and the protocol ends") or the server aborts. Bounded by a number of messages.
 *
 * A case stops with an outcome by throwing CaseStop: the helpers below do when the server
 * does not answer with a DM message (crash, hang, or fail for an HTTP refusal of a valid
 * message).
 */
import { AlertCode, StatusCode, statusFor, type SyncBodyCommandDraft, type SyncML, type SyncBodyCommand, type Item } from '../../index.js';
import { nestedCommands } from '../../../generated/command-helpers.js';
import type { Outcome } from '../case.js';
import { fail } from '../case.js';
import type { Exchange, MessageSpec, PeerSession, Reply } from './client-driver.js';
import { headerStatus } from './client-driver.js';

/** Thrown by a case to stop with `outcome`. */
export class CaseStop extends Error {
  override readonly name = 'CaseStop';
  constructor(readonly outcome: Outcome) {
    super(outcome.verdict);
  }
}

export function isCaseStop(e: unknown): e is CaseStop {
  return e instanceof Error && e.name === 'CaseStop';
}

/** The outcome for an answer that is no DM message; undefined for a message. */
export function replyProblem(reply: Reply, what = 'a DM message in answer'): Outcome | undefined {
  switch (reply.kind) {
    case 'message':
      return undefined;
    case 'timeout':
      return { verdict: 'hang', detail: reply.reason };
    case 'network':
      return { verdict: 'crash', detail: reply.reason };
    case 'http':
      return reply.status >= 500 ? { verdict: 'crash', detail: reply.reason } : fail(what, reply.reason);
    case 'invalid':
      return fail(what, `an answer that is not a valid DM message: ${reply.reason}`);
  }
}

/** The server's message, or a CaseStop. */
export function expectMessage(ex: Exchange, what?: string): SyncML {
  const problem = replyProblem(ex.reply, what);
  if (problem) throw new CaseStop(problem);
  return (ex.reply as Extract<Reply, { kind: 'message' }>).message;
}

/** The numeric code of a Status. */
export function code(status: { data: string }): number {
  return Number(status.data.trim());
}

/** The DevInfo a fuzz device sends in Package#1. */
export function devInfoItems(devId: string): Item[] {
  return [
    { source: { locURI: './DevInfo/DevId' }, data: devId },
    { source: { locURI: './DevInfo/Man' }, data: 'omadm' },
    { source: { locURI: './DevInfo/Mod' }, data: 'omadm-fuzz' },
    { source: { locURI: './DevInfo/DmV' }, data: '1.3' },
    { source: { locURI: './DevInfo/Lang' }, data: 'en-US' },
  ];
}

/** Package#1: Alert 1201 and the DevInfo Replace, then `extra`. */
export function packageOne(devId: string, extra: readonly SyncBodyCommandDraft[] = []): SyncBodyCommandDraft[] {
  return [{ kind: 'Alert', data: String(AlertCode.ClientInitiatedSession), items: [] }, { kind: 'Replace', items: devInfoItems(devId) as [Item, ...Item[]] }, ...extra];
}

const AUTH_DEMANDS: readonly number[] = [StatusCode.InvalidCredentials, StatusCode.MissingCredentials];

/**
 * Sends a first message and, while the server challenges its header (401/407 with a Chal)
 * and we have credentials to give, sends it again with them, at most `retries` times
 * (9: "the DM Client MUST revert to Package#1"). Returns the last exchange.
 */
export async function open(session: PeerSession, spec: MessageSpec, retries = 2): Promise<Exchange> {
  let ex = await session.send(spec);
  for (let i = 0; i < retries; i++) {
    if (ex.reply.kind !== 'message' || session.config.auth === 'none') return ex;
    const status = headerStatus(ex.reply.message, ex.msgID);
    if (!status || !AUTH_DEMANDS.includes(code(status)) || !status.chal) return ex;
    const { msgID: _given, ...again } = spec;
    ex = await session.send({ ...again, cred: 'auto' });
  }
  return ex;
}

/** Our Status for the server's SyncHdr: 200, or (with --server-auth) our judgement of its credentials. */
export function headerStatusDraft(session: PeerSession, message: SyncML): SyncBodyCommandDraft {
  const { code: c, chal } = session.headerAnswer();
  return { kind: 'Status', ...statusFor(message.syncHdr, c, chal ? { chal } : {}) };
}

/** Statuses (and Results) a plain device answers a server message with; whether the server's package goes on. */
export function answersTo(message: SyncML, devId: string): { answers: SyncBodyCommandDraft[]; pending: number; aborted: boolean } {
  const msgRef = message.syncHdr.msgID;
  const answers: SyncBodyCommandDraft[] = [];
  let pending = 0;
  let aborted = false;
  const values = new Map(devInfoItems(devId).map((i) => [i.source!.locURI, i.data ?? '']));
  const visit = (command: SyncBodyCommand): void => {
    if (command.kind === 'Status' || command.kind === 'Results') return;
    const alert = command.kind === 'Alert' ? Number((command.data ?? '').trim()) : undefined;
    // A 1225 (our object was cut short) or a 1222 tells; it asks for no answer of its own to go on.
    if (alert !== AlertCode.NoEndOfData && alert !== AlertCode.NextMessage) pending++;
    if (alert === AlertCode.SessionAbort) aborted = true;
    const chunked = 'items' in command && Array.isArray(command.items) && command.items.some((i: Item) => i.moreData === true);
    let status: number = chunked ? StatusCode.ChunkedItemAccepted : StatusCode.Ok;
    let results: SyncBodyCommandDraft | undefined;
    if (command.kind === 'Get') {
      const items = command.items.filter((i) => values.has(i.target?.locURI ?? ''));
      if (items.length === command.items.length) {
        results = { kind: 'Results', msgRef, cmdRef: command.cmdID, targetRefs: [], sourceRefs: [], items: items.map((i) => ({ source: { locURI: i.target!.locURI }, data: values.get(i.target!.locURI)! })) as [Item, ...Item[]] };
      } else status = StatusCode.NotFound;
    }
    const uiItems = command.kind === 'Alert' ? uiAnswer(Number((command.data ?? '').trim())) : [];
    answers.push({ kind: 'Status', ...statusFor({ msgRef, command }, status, { items: uiItems }) });
    if (results) answers.push(results);
    for (const c of nestedCommands(command)) visit(c as SyncBodyCommand);
  };
  for (const c of message.syncBody.commands) visit(c);
  return { answers, pending, aborted };
}

/** The Items of the Status answering a UI alert (10.2): a text for input, the first choice. */
function uiAnswer(alert: number): Item[] {
  if (alert === AlertCode.TextInput) return [{ data: 'omadm' }];
  if (alert === AlertCode.SingleChoice || alert === AlertCode.MultipleChoice) return [{ data: '1' }];
  return [];
}

/**
 * Plays the session on from `ex` (the server's answer to our last message, whose package
 * was complete) until it ends; at most `maxMessages` more messages. Returns every exchange
 * it made. Throws CaseStop when the server stops answering with DM messages.
 */
export async function playOn(session: PeerSession, ex: Exchange, maxMessages = 24): Promise<Exchange[]> {
  const made: Exchange[] = [];
  let current = ex;
  for (let n = 0; n < maxMessages; n++) {
    const message = expectMessage(current);
    const { answers, pending, aborted } = answersTo(message, session.config.devId);
    const final = message.syncBody.final === true;
    if (aborted) return made; // 6.1.2: "A client receiving Alert 1223 SHOULD NOT respond."
    if (final && pending === 0) return made; // section 6: the protocol ends
    const commands: SyncBodyCommandDraft[] = [headerStatusDraft(session, message), ...answers];
    if (!final) commands.push({ kind: 'Alert', data: String(AlertCode.NextMessage), items: [] });
    current = await session.send({ commands, final });
    made.push(current);
  }
  throw new CaseStop(fail(`the session to end within ${maxMessages} messages`, `the server still had more to say after ${maxMessages} messages`));
}
