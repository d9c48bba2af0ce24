/** Protocol invariants checked on a recorded wire (used by the model-based session test). */
import { hasNoResp, itemsOf, nestedCommands } from '../../generated/command-helpers.js';
import { expect } from 'vitest';
import type { Status, SyncBodyCommand, SyncML } from '../../generated/types.js';
import { AlertCode } from '../../generated/codes.js';
import type { WireRecord } from './pair.js';

const isAlert = (c: SyncBodyCommand, code: number): boolean => c.kind === 'Alert' && c.data === String(code);
const statusesOf = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');

/** Every command and nested command of a message that needs a Status. */
function needingStatus(m: SyncML): SyncBodyCommand[] {
  const out: SyncBodyCommand[] = [];
  const walk = (c: SyncBodyCommand): void => {
    if (c.kind === 'Status' || c.kind === 'Results') return;
    if (!hasNoResp(c)) out.push(c);
    for (const n of nestedCommands(c)) walk(n as SyncBodyCommand);
  };
  m.syncBody.commands.forEach(walk);
  return out;
}

/** The MaxObjSize each side announced, if any: the other never sends a larger object. */
export interface ObjectLimits {
  readonly client?: number | undefined;
  readonly server?: number | undefined;
}

export function checkWire(wire: readonly WireRecord[], maxObjSize: ObjectLimits = {}): void {
  // Every message within the receiver's MaxMsgSize, in the encoding in use.
  for (const r of wire) expect(r.bytes.length, `${r.from} message ${r.message.syncHdr.msgID}`).toBeLessThanOrEqual(r.limit);

  // No object larger than the receiver's MaxObjSize: its Size when chunked, its data otherwise.
  for (const r of wire) {
    const limit = r.from === 'server' ? maxObjSize.client : maxObjSize.server;
    if (limit === undefined) continue;
    for (const c of r.message.syncBody.commands) {
      for (const item of itemsOf(c)) {
        const size = item.meta?.size !== undefined ? Number(item.meta.size) : new TextEncoder().encode(item.data ?? '').length;
        expect(size, `${r.from} message ${r.message.syncHdr.msgID}: an object over MaxObjSize ${limit}`).toBeLessThanOrEqual(limit);
      }
    }
  }

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
    const chunking = cmds.some((c) => itemsOf(c).some((i) => i.moreData));
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
      // A client challenged in the middle of a chunked Package#1 starts it again (9, 7.2).
      if (r.message.syncBody.commands.some((c) => isAlert(c, AlertCode.ClientInitiatedSession) || isAlert(c, AlertCode.ServerInitiatedSession))) open = undefined;
      for (const c of r.message.syncBody.commands) {
        if (c.kind === 'Status' || (c.kind === 'Alert' && !(c.items ?? []).length)) continue;
        for (const item of itemsOf(c)) {
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

