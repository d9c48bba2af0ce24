/**
 * What a device session looked like, package by package and message by message, each
 * command with the status it got: plain data (JSON.stringify gives it whole) and a
 * readable text form. Built by the runner as the messages go and come.
 *
 * Rules kept here
 * 1. A package is what one side sends up to and including its message with Final; the
 *    packages are numbered in the order they open (Package#1 is the client's first).
 * 2. A command's `status` is the one the other side actually sent for it (its Status
 *    naming the message and CmdID), so protocol-level answers (1222, 401) show too.
 * 3. Secrets never appear: Cred data and HMAC values are not copied, only their type.
 */
import type { SyncBodyCommand, SyncML } from '../../../generated/types.js';
import { itemsOf, nestedCommands } from '../../../generated/command-helpers.js';

export type Sender = 'client' | 'server';

/** One command of a message, as the transcript shows it. */
export interface TranscriptCommand {
  readonly kind: string;
  readonly cmdId: string;
  /** Alert code, Status code (as text). */
  readonly data?: string;
  /** Target (else Source) LocURIs of its items, at most MAX_URIS of them. */
  readonly uris: string[];
  /** How many items it has (when more than the URIs listed). */
  readonly itemCount: number;
  /** Status: what it answers. */
  readonly cmd?: string;
  readonly msgRef?: string;
  readonly cmdRef?: string;
  /** Status: it carries a challenge of this auth type. */
  readonly chal?: string;
  /** The status the other side returned for this command (rule 2). */
  status?: number;
  /** Atomic, Sequence: what it holds. */
  readonly commands?: TranscriptCommand[];
}

export interface TranscriptMessage {
  readonly sender: Sender;
  readonly msgId: string;
  /** Client messages: where it was POSTed. */
  readonly url?: string;
  readonly bytes: number;
  readonly final: boolean;
  /** Client messages: HTTP attempts it took (more than 1: resent after a lost answer). */
  attempts?: number;
  /**
   * A repeat: from the server, of a message already answered (our answer is resent); from
   * us, that answer resent. Its commands are those of the first one, not listed again.
   */
  readonly duplicate?: boolean;
  /** The auth type of the header's credentials (Cred Meta Type, or HMAC). */
  readonly credentials?: string;
  readonly respUri?: string;
  readonly commands: TranscriptCommand[];
}

export interface TranscriptPackage {
  readonly number: number;
  readonly sender: Sender;
  readonly messages: TranscriptMessage[];
}

/** URIs listed per command; the rest are counted. */
const MAX_URIS = 8;

export function summarizeCommand(c: SyncBodyCommand): TranscriptCommand {
  const items = itemsOf(c);
  const uris = items
    .map((i) => i.target?.locURI ?? i.source?.locURI)
    .filter((u): u is string => u !== undefined)
    .slice(0, MAX_URIS);
  const nested = nestedCommands(c) as SyncBodyCommand[];
  const base = { kind: c.kind, cmdId: c.cmdID, uris, itemCount: items.length };
  if (c.kind === 'Status') {
    return {
      ...base,
      data: c.data.trim(),
      cmd: c.cmd.trim(),
      msgRef: c.msgRef.trim(),
      cmdRef: c.cmdRef.trim(),
      ...(c.chal?.meta.type !== undefined ? { chal: c.chal.meta.type } : {}),
    };
  }
  if (c.kind === 'Results') return { ...base, ...(c.msgRef !== undefined ? { msgRef: c.msgRef.trim() } : {}), cmdRef: c.cmdRef.trim() };
  const data = (c as { data?: string }).data;
  return {
    ...base,
    ...(c.kind === 'Alert' && data !== undefined ? { data: data.trim() } : {}),
    ...(nested.length > 0 ? { commands: nested.map(summarizeCommand) } : {}),
  };
}

/** Builds the packages as messages go (rule 1) and pairs Statuses with commands (rule 2). */
export class TranscriptBuilder {
  readonly packages: TranscriptPackage[] = [];
  private readonly open = new Map<Sender, TranscriptPackage>();
  private readonly bySender = { client: new Map<string, TranscriptMessage>(), server: new Map<string, TranscriptMessage>() };

  add(sender: Sender, message: SyncML, extra: { bytes: number; url?: string; attempts?: number; duplicate?: boolean; hmac?: boolean }): TranscriptMessage {
    const hdr = message.syncHdr;
    const credentials = extra.hmac ? 'syncml:auth-MAC' : hdr.cred?.meta?.type;
    const m: TranscriptMessage = {
      sender,
      msgId: hdr.msgID.trim(),
      ...(extra.url !== undefined ? { url: extra.url } : {}),
      bytes: extra.bytes,
      final: message.syncBody.final === true,
      ...(extra.attempts !== undefined ? { attempts: extra.attempts } : {}),
      ...(extra.duplicate ? { duplicate: true } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
      ...(hdr.respURI !== undefined ? { respUri: hdr.respURI.trim() } : {}),
      commands: extra.duplicate ? [] : message.syncBody.commands.map(summarizeCommand),
    };
    let pkg = this.open.get(sender);
    if (!pkg) {
      pkg = { number: this.packages.length + 1, sender, messages: [] };
      this.packages.push(pkg);
      this.open.set(sender, pkg);
    }
    pkg.messages.push(m);
    if (m.final && !m.duplicate) this.open.delete(sender);
    if (!m.duplicate) {
      this.bySender[sender].set(m.msgId, m);
      this.pair(sender === 'client' ? 'server' : 'client', m.commands);
    }
    return m;
  }

  /** The Statuses of one side name the messages of the other (`to`). */
  private pair(to: Sender, commands: readonly TranscriptCommand[]): void {
    for (const s of commands) {
      if (s.kind !== 'Status' || s.msgRef === undefined || s.cmdRef === undefined) continue;
      const target = this.bySender[to].get(s.msgRef);
      const code = Number(s.data);
      if (!target || !Number.isSafeInteger(code)) continue;
      const found = findCommand(target.commands, s.cmdRef);
      if (found && found.kind !== 'Status') found.status = code;
    }
  }
}

function findCommand(commands: readonly TranscriptCommand[], cmdId: string): TranscriptCommand | undefined {
  for (const c of commands) {
    if (c.cmdId === cmdId) return c;
    const inner = c.commands ? findCommand(c.commands, cmdId) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** One line for a command: `Replace ./DevInfo/Mod (+4 more) -> 200`. */
export function formatCommand(c: TranscriptCommand): string {
  if (c.kind === 'Status') return `Status ${c.data ?? '?'} for ${c.cmd ?? '?'} ${c.msgRef ?? '?'}/${c.cmdRef ?? '?'}${c.chal ? ` (challenge ${c.chal})` : ''}`;
  if (c.kind === 'Results') return `Results for ${c.msgRef ?? '?'}/${c.cmdRef ?? '?'}${uriList(c)}`;
  const head = `${c.kind}${c.data !== undefined ? ` ${c.data}` : ''}${uriList(c)}`;
  return c.status !== undefined ? `${head} -> ${c.status}` : head;
}

function uriList(c: TranscriptCommand): string {
  if (c.uris.length === 0) return '';
  const more = c.itemCount - c.uris.length;
  return ` ${c.uris.join(' ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

export function formatPackages(packages: readonly TranscriptPackage[]): string[] {
  const lines: string[] = [];
  for (const p of packages) {
    lines.push(`Package ${p.number} (${p.sender === 'client' ? 'client -> server' : 'server -> client'})`);
    for (const m of p.messages) {
      const facts = [
        m.url !== undefined ? `to ${m.url}` : undefined,
        `${m.bytes} bytes`,
        m.final ? 'Final' : undefined,
        m.credentials !== undefined ? `credentials ${m.credentials}` : undefined,
        m.respUri !== undefined ? `RespURI ${m.respUri}` : undefined,
        m.attempts !== undefined && m.attempts > 1 ? `${m.attempts} attempts` : undefined,
        m.duplicate ? (m.sender === 'server' ? 'a repeat of its last message (answered again)' : 'our last message, sent again') : undefined,
      ].filter((f) => f !== undefined);
      lines.push(`  message ${m.msgId}: ${facts.join(', ')}`);
      const walk = (cs: readonly TranscriptCommand[], depth: number): void => {
        for (const c of cs) {
          lines.push(`${'  '.repeat(depth)}${formatCommand(c)}`);
          if (c.commands) walk(c.commands, depth + 1);
        }
      };
      walk(m.commands, 2);
    }
  }
  return lines;
}
