/**
 * The Status ledger of one side of a session: how a Status names a command, in one place.
 *
 * Rules (section 6, SyncML RepPro):
 * 1. A command is named by the MsgID of its message and its CmdID (MsgRef/CmdRef in the
 *    Status), both compared with surrounding white space trimmed.
 * 2. Every command we send needs one Status from the peer unless it is a Status or
 *    Results or has NoResp; commands nested in Atomic or Sequence need their own.
 *    `expect` records them, `match` takes the one a received Status names (once).
 * 3. A Get we sent stays known after its Status so that the Results answering it (which
 *    may come later, and may leave MsgRef out) can be matched: `matchResults`.
 * 4. Every received command (nested ones too) needs one Status from us unless NoResp:
 *    `owe` records the debt, `pay` gives its answer (once), and `release` hands over the
 *    answers in the order the commands were received, up to the first one not answered
 *    yet (Statuses go out in request order whatever order they are answered in). A debt
 *    of a message whose SyncHdr had NoResp is `silent`: its answer is dropped on release.
 * 5. Changes made during a `begin()` are undone by `rollback()` (a message refused as a
 *    whole leaves the ledger as it was) and kept by `commit()`.
 * The ledger holds plain data only: `snapshot()` is JSON.
 */
import type { SyncBodyCommand } from '../../generated/types.js';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import { hasNoResp, isResponse, nestedCommands } from '../../generated/command-helpers.js';

/** A command and the message it travelled in. */
export interface LedgerEntry {
  readonly msgID: string;
  readonly command: SyncBodyCommand;
}

/** A received command we owe a Status, and its answer once given. */
export interface OwedEntry extends LedgerEntry {
  /** The Status (and Results) answering it, once paid. */
  readonly answer?: readonly SyncBodyCommandDraft[];
  /** Its message asked for no Status (NoResp in the SyncHdr). */
  readonly silent?: true;
}

export interface LedgerSnapshot {
  /** Commands we sent that await a Status. */
  readonly expected: readonly LedgerEntry[];
  /** Gets we sent, for their Results. */
  readonly gets: readonly LedgerEntry[];
  /** Received commands that still need our Status. */
  readonly owed: readonly OwedEntry[];
}

/** The ledger key of a command (rule 1): the only place it is built. */
function key(msgID: string, cmdID: string): string {
  return `${msgID.trim()}:${cmdID.trim()}`;
}


export class StatusLedger {
  private readonly expected = new Map<string, LedgerEntry>();
  private readonly gets = new Map<string, LedgerEntry>();
  private readonly owedMap = new Map<string, OwedEntry>();
  /** During a transaction: each map as it was before its first change. */
  private saved: Map<Map<string, OwedEntry>, [string, OwedEntry][]> | undefined;

  static restore(s: LedgerSnapshot): StatusLedger {
    const l = new StatusLedger();
    for (const e of s.expected) l.expected.set(key(e.msgID, e.command.cmdID), e);
    for (const e of s.gets) l.gets.set(key(e.msgID, e.command.cmdID), e);
    for (const e of s.owed) l.owedMap.set(key(e.msgID, e.command.cmdID), e);
    return l;
  }

  snapshot(): LedgerSnapshot {
    return { expected: [...this.expected.values()], gets: [...this.gets.values()], owed: [...this.owedMap.values()] };
  }

  // ------------------------------------------------------------ transactions (rule 5)

  begin(): void {
    this.saved = new Map();
  }

  commit(): void {
    this.saved = undefined;
  }

  rollback(): void {
    const saved = this.saved;
    this.saved = undefined;
    if (!saved) return;
    for (const [map, entries] of saved) {
      map.clear();
      for (const [k, e] of entries) map.set(k, e);
    }
  }

  /** Before changing `map` in a transaction, keep it as it was (order included). */
  private touch(map: Map<string, OwedEntry>): void {
    if (this.saved && !this.saved.has(map)) this.saved.set(map, [...map.entries()]);
  }

  private set(map: Map<string, OwedEntry>, k: string, e: OwedEntry): void {
    this.touch(map);
    map.set(k, e);
  }

  private take(map: Map<string, OwedEntry>, k: string): OwedEntry | undefined {
    const e = map.get(k);
    if (e === undefined) return undefined;
    this.touch(map);
    map.delete(k);
    return e;
  }

  // ------------------------------------------------------------ what we send (rules 2, 3)

  /** Records what needs a Status from the peer in `command` (sent in message `msgID`). */
  expect(msgID: string, command: SyncBodyCommand): void {
    if (isResponse(command)) return;
    const k = key(msgID, command.cmdID);
    if (command.kind === 'Get') this.set(this.gets, k, { msgID, command });
    if (!hasNoResp(command)) this.set(this.expected, k, { msgID, command });
    for (const c of nestedCommands(command)) this.expect(msgID, c);
  }

  /** The command a received Status names, taken off the ledger; undefined if none awaits it. */
  match(msgRef: string, cmdRef: string): LedgerEntry | undefined {
    return this.take(this.expected, key(msgRef, cmdRef));
  }

  /** The command (a Get, or one still awaiting its Status) that Results name; MsgRef may be empty. */
  matchResults(msgRef: string, cmdRef: string): LedgerEntry | undefined {
    if (msgRef.trim() !== '') {
      const k = key(msgRef, cmdRef);
      return this.expected.get(k) ?? this.gets.get(k);
    }
    const id = cmdRef.trim();
    for (const e of this.expected.values()) if (e.command.cmdID.trim() === id) return e;
    for (const e of this.gets.values()) if (e.command.cmdID.trim() === id) return e;
    return undefined;
  }

  /** Commands we sent whose Status has not arrived. */
  get awaiting(): number {
    return this.expected.size;
  }

  /** The peer's package ended: whatever has no Status now never will. Returns those. */
  takeAwaiting(): LedgerEntry[] {
    const all = [...this.expected.values()];
    for (const e of all) this.take(this.expected, key(e.msgID, e.command.cmdID));
    return all;
  }

  // ------------------------------------------------------------ what we receive (rule 4)

  /** Whether a Status is owed and not yet given for CmdID `cmdID` of message `msgRef`. */
  owes(msgRef: string, cmdID: string): boolean {
    const e = this.owedMap.get(key(msgRef, cmdID));
    return e !== undefined && e.answer === undefined;
  }

  /** Whether CmdID `cmdID` of message `msgRef` is on the ledger, answered or not. */
  isKnown(msgRef: string, cmdID: string): boolean {
    return this.owedMap.has(key(msgRef, cmdID));
  }

  /** Records the Statuses a received command (and what it nests) needs. */
  owe(msgRef: string, command: SyncBodyCommand, silent = false, nested = true): void {
    if (!hasNoResp(command)) this.set(this.owedMap, key(msgRef, command.cmdID), { msgID: msgRef, command, ...(silent ? { silent: true as const } : {}) });
    if (nested) for (const c of nestedCommands(command)) this.owe(msgRef, c, silent);
  }

  /** Gives the answer owed for CmdID `cmdID` of `msgRef`; false if none is owed. */
  pay(msgRef: string, cmdID: string, answer: readonly SyncBodyCommandDraft[]): boolean {
    const k = key(msgRef, cmdID);
    const e = this.owedMap.get(k);
    if (e === undefined || e.answer !== undefined) return false;
    this.set(this.owedMap, k, { ...e, answer });
    return true;
  }

  /** The answers of the received commands answered so far, in request order, up to the first unanswered one; taken off the ledger. */
  release(): SyncBodyCommandDraft[] {
    const out: SyncBodyCommandDraft[] = [];
    for (const [k, e] of this.owedMap) {
      if (e.answer === undefined) break;
      this.take(this.owedMap, k);
      if (!e.silent) out.push(...e.answer);
    }
    return out;
  }

  /** Received commands not answered yet, in the order received. */
  get unanswered(): OwedEntry[] {
    return [...this.owedMap.values()].filter((e) => e.answer === undefined);
  }
}
