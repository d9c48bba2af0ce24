/**
 * Checks over what crossed the wire, shared by the cases: which of our commands got a
 * Status, whether each Status names a command we sent, message sizes, items over a size.
 * Each returns the problems it found, in words for the report (empty: none).
 */
import { itemsOf, nestedCommands } from '../../generated/command-helpers.js';
import type { Command, Status, SyncBodyCommand, SyncML } from '../index.js';
import { utf8ByteLength } from '../runtime/utf8.js';

/** A command of ours that needs a Status: `Kind CmdID n of message m`. */
export interface Owed {
  readonly msgID: string;
  readonly cmdID: string;
  readonly kind: string;
}

/** Every command of `sent` that needs a Status (all but Status and Results, nested ones too, none under NoResp); the header first. */
export function owedStatuses(sent: SyncML): Owed[] {
  const msgID = sent.syncHdr.msgID;
  if (sent.syncHdr.noResp) return [];
  const owed: Owed[] = [{ msgID, cmdID: '0', kind: 'SyncHdr' }];
  const visit = (c: Command): void => {
    if (c.kind === 'Status' || c.kind === 'Results') return;
    if (!('noResp' in c && c.noResp === true)) owed.push({ msgID, cmdID: c.cmdID, kind: c.kind });
    for (const n of nestedCommands(c)) visit(n);
  };
  for (const c of sent.syncBody.commands) visit(c);
  return owed;
}

export function statusesIn(messages: readonly SyncML[]): Status[] {
  return messages.flatMap((m) => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status'));
}

const same = (a: string, b: string) => a.trim() === b.trim();

/** Does `s` answer `o`? (Header: CmdRef 0 or empty, Cmd SyncHdr.) */
export function answers(s: Status, o: Owed): boolean {
  if (!same(s.msgRef, o.msgID) || !same(s.cmd, o.kind)) return false;
  return o.kind === 'SyncHdr' ? s.cmdRef.trim() === '0' || s.cmdRef.trim() === '' : same(s.cmdRef, o.cmdID);
}

/** The commands in `owed` with no Status among `replies`. */
export function missing(owed: readonly Owed[], replies: readonly SyncML[]): Owed[] {
  const statuses = statusesIn(replies);
  return owed.filter((o) => !statuses.some((s) => answers(s, o)));
}

export function describeOwed(o: Owed): string {
  return o.kind === 'SyncHdr' ? `the SyncHdr of message ${o.msgID}` : `<${o.kind}> CmdID ${o.cmdID} of message ${o.msgID}`;
}

/** Statuses among `replies` that name no command we sent (by MsgRef, CmdRef and Cmd). */
export function strayStatuses(sent: readonly SyncML[], replies: readonly SyncML[]): string[] {
  const owed = sent.flatMap(owedStatuses);
  return statusesIn(replies)
    .filter((s) => !owed.some((o) => answers(s, o)))
    .map((s) => `Status ${s.data.trim()} with MsgRef ${s.msgRef} CmdRef ${s.cmdRef} Cmd ${s.cmd}`);
}

/** Top-level commands of a message that are not responses (Status, Results) nor Alert 1222. */
export function newCommands(m: SyncML): SyncBodyCommand[] {
  return m.syncBody.commands.filter((c) => c.kind !== 'Status' && c.kind !== 'Results' && !(c.kind === 'Alert' && (c.data ?? '').trim() === '1222'));
}

export function alertsIn(m: SyncML, code: number): SyncBodyCommand[] {
  return m.syncBody.commands.filter((c) => c.kind === 'Alert' && Number((c.data ?? '').trim()) === code);
}

/** The largest item Data (UTF-8 bytes) among the commands of `m`, with its address. */
export function largestItem(m: SyncML): { size: number; uri: string } | undefined {
  let best: { size: number; uri: string } | undefined;
  const visit = (c: Command): void => {
    if (c.kind !== 'Status') {
      for (const i of itemsOf(c)) {
        const size = utf8ByteLength(i.data ?? '');
        if (i.data !== undefined && (!best || size > best.size)) best = { size, uri: i.target?.locURI ?? i.source?.locURI ?? '(no URI)' };
      }
    }
    for (const n of nestedCommands(c)) visit(n);
  };
  for (const c of m.syncBody.commands) visit(c);
  return best;
}

/** Does any item of `m` carry MoreData? */
export function hasMoreData(m: SyncML): boolean {
  return m.syncBody.commands.some((c) => c.kind !== 'Status' && itemsOf(c).some((i) => i.moreData === true));
}
