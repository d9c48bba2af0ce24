/**
 * The glue between a DM session and the device's management tree: the only module of the
 * client that knows the session's shape, kept thin so it follows the session core when
 * that changes. It uses the session's public surface only: received commands arrive as
 * `SessionEvent` 'command' (a generated `SyncBodyCommand` and its MsgRef), and each is
 * answered with `answer(received, status, results, statusItems)`; client alerts go out with `send()`.
 */
import type { SyncBodyCommandDraft, ResultsInit } from '../../generated/builders.js';
import type { SyncBodyCommand } from '../../generated/types.js';
import { type Answer, CommandExecutor, type UiRunner } from './executor/executor.js';
import type { ExecRegistry } from './executor/exec-handlers.js';
import { devInfoItems } from './objects/devinfo.js';
import type { TreeStore } from './store/store.js';
import type { ManagementTree } from './tree/tree.js';
import type { Item } from '../../generated/types.js';
import { StatusCode } from '../../generated/codes.js';
import { isLocalProtocolError } from '../session/errors.js';

/** What the device needs of a session (ClientSession has it). */
export interface SessionSurface {
  answer(received: { readonly msgRef: string; readonly command: SyncBodyCommand }, code: number, results?: Omit<ResultsInit, 'msgRef' | 'cmdRef'>, statusItems?: readonly Item[]): void;
  send(draft: SyncBodyCommandDraft): unknown;
}

/** The session events the device reads (a subset of SessionEvent). */
export type CommandEvent = { readonly type: string; readonly msgRef?: string; readonly command?: SyncBodyCommand };

export interface DeviceOptions {
  readonly tree: ManagementTree;
  /** The server this session is with (its ServerID: the id its ACL entries name). */
  readonly serverId: string;
  readonly exec?: ExecRegistry;
  readonly ui?: UiRunner;
  /** Where the tree is written after each top-level command. */
  readonly store?: TreeStore;
}

export class DmDevice {
  readonly executor: CommandExecutor;

  constructor(private readonly options: DeviceOptions) {
    const store = options.store;
    this.executor = new CommandExecutor({
      tree: options.tree,
      ...(options.exec ? { exec: options.exec } : {}),
      ...(options.ui ? { ui: options.ui } : {}),
      ...(store ? { commit: (changes) => store.commit(changes) } : {}),
    });
  }

  /** What Package#1 carries: the DevInfo items, and client alerts ready to go. */
  packageOne(alert?: number): { alert?: number; devInfo: Item[]; extra: SyncBodyCommandDraft[] } {
    return { ...(alert !== undefined ? { alert } : {}), devInfo: devInfoItems(this.options.tree), extra: this.executor.takeAlerts() };
  }

  /**
   * Runs the commands among `events` and answers each on `session` (NoResp ones get no
   * Status, as the session expects); queues Generic Alerts of finished Execs.
   * Returns the answers (for transcripts).
   */
  async handle(events: readonly CommandEvent[], session: SessionSurface): Promise<Answer[]> {
    const msgRefs = new Map<SyncBodyCommand, string>();
    const commands: SyncBodyCommand[] = [];
    for (const e of events) {
      if (e.type !== 'command' || !e.command || e.msgRef === undefined) continue;
      commands.push(e.command);
      remember(e.command, e.msgRef, msgRefs);
    }
    const answers = await this.executor.runPackage(commands, this.options.serverId);
    for (const a of answers) {
      if ((a.command as { noResp?: boolean }).noResp) continue;
      const msgRef = msgRefs.get(a.command);
      if (msgRef === undefined) continue;
      // The Status carries the user's input or chosen items (10.2.3, 10.2.4).
      try {
        session.answer({ msgRef, command: a.command }, a.status, a.results, a.statusItems);
      } catch (e) {
        // Results over the server's MaxObjSize are refused by the session: 413 instead.
        if (!a.results || !isLocalProtocolError(e) || e.problem !== 'object-too-large') throw e;
        session.answer({ msgRef, command: a.command }, StatusCode.RequestEntityTooLarge);
      }
    }
    for (const alert of this.executor.takeAlerts()) session.send(alert);
    return answers;
  }
}

function remember(command: SyncBodyCommand, msgRef: string, into: Map<SyncBodyCommand, string>): void {
  into.set(command, msgRef);
  for (const c of (command as { commands?: SyncBodyCommand[] }).commands ?? []) remember(c, msgRef, into);
}
