/**
 * Runs the management commands of a server's package against the tree and says what to
 * answer: one Answer (status, and Results for a Get) for every command, nested ones too,
 * containers before what they hold. It knows nothing of messages or sessions: the glue
 * (device.ts) hands the answers to the session.
 *
 * Rules kept here (DM protocol 5, 6, 10 and the representation protocol):
 * 1. Add, Replace, Delete, Copy, Get act per Item; a command whose items do not all
 *    succeed changes nothing and answers the first failure. Get answers Results.
 * 2. Exec runs the handler the application registered for the node (405 when none):
 *    its status, or 202 and later a Generic Alert with the Exec's Correlator.
 * 3. Atomic: all or nothing. When one command fails, everything it ran is rolled back:
 *    the failed command keeps its status, the rolled-back ones answer 216, the ones not
 *    run 215, the Atomic 507 (516 when something could not be undone: an Exec).
 *    An Atomic holds no Get and no Atomic in DM (406, which fails it).
 * 4. Sequence runs in order and stops at the first failure: what follows answers 215.
 *    The Sequence itself answers 200.
 * 5. User interaction (10.2): "No" (304) fails an enclosing Atomic and ends an enclosing
 *    Sequence; cancel (214) stops the whole package: every command not run answers 215.
 * 6. Commands outside DM (Sync, Map, Put, Search, Move) answer 406, what they nest 215.
 * 7. The tree is handed to the store after each top-level command (an Atomic as a whole),
 *    so what is stored is always a state between commands, never half an Atomic.
 */
import { AlertCode, isSuccessStatus, isUiAlert, StatusCode } from '../../../generated/codes.js';
import type { Alert, Item, Meta, SyncBodyCommand } from '../../../generated/types.js';
import { execCompletionAlert } from '../alerts.js';
import type { AlertDraft } from '../../../generated/builders.js';
import { isTreeError, TreeError } from '../tree/errors.js';
import type { ManagementTree, ResultItem, TreeChanges } from '../tree/tree.js';
import { type ExecCompletion, ExecRegistry } from './exec-handlers.js';

/** The answer to one received command. */
export interface Answer {
  readonly command: SyncBodyCommand;
  readonly status: number;
  /** Results of a Get (without MsgRef/CmdRef, which the session fills in). */
  readonly results?: { readonly targetRefs: string[]; readonly sourceRefs: string[]; readonly items: [Item, ...Item[]] };
  /** Items of the Status itself (user input, chosen items of 10.2.3/10.2.4). */
  readonly statusItems?: Item[];
  /** Why it failed, for logs. */
  readonly reason?: string;
}

/** What a user interaction alert came to (ui/). */
export interface UiAnswer {
  readonly status: number;
  readonly items?: Item[];
}

export type UiRunner = (alert: Alert) => Promise<UiAnswer>;

export interface ExecutorOptions {
  readonly tree: ManagementTree;
  readonly exec?: ExecRegistry;
  /** Runs user interaction alerts 1100-1104; without it they answer 406. */
  readonly ui?: UiRunner;
  /** Writes the tree's changes (atomically) after each top-level command. */
  readonly commit?: (changes: TreeChanges) => void;
}

type Cmd = SyncBodyCommand;

const DS_ONLY = new Set(['Sync', 'Map', 'Put', 'Search', 'Move']);

/** How a command run ended, for its container. */
interface Run {
  readonly answers: Answer[];
  /** The status of the command itself. */
  readonly status: number;
  /** The package must stop (user cancel). */
  readonly stop: boolean;
  /** Something ran that a rollback cannot undo (an Exec). */
  readonly irreversible: boolean;
}

export class CommandExecutor {
  private readonly tree: ManagementTree;
  private readonly exec: ExecRegistry;
  private readonly ui: UiRunner | undefined;
  private readonly commitChanges: ((changes: TreeChanges) => void) | undefined;
  private readonly alerts: AlertDraft[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(options: ExecutorOptions) {
    this.tree = options.tree;
    this.exec = options.exec ?? new ExecRegistry();
    this.ui = options.ui;
    this.commitChanges = options.commit;
  }

  /** Runs a package's commands (in order) for `serverId`; returns every answer. */
  async runPackage(commands: readonly Cmd[], serverId: string): Promise<Answer[]> {
    const answers: Answer[] = [];
    let stopped = false;
    for (const command of commands) {
      if (command.kind === 'Status' || command.kind === 'Results') continue;
      if (stopped) {
        answers.push(...notExecuted(command));
        continue;
      }
      const run = await this.run(command, serverId, 'top');
      answers.push(...run.answers);
      this.commit();
      if (run.stop) stopped = true;
    }
    return answers;
  }

  /** Generic Alerts ready to send (asynchronous Exec results), oldest first; forgets them. */
  takeAlerts(): AlertDraft[] {
    return this.alerts.splice(0);
  }

  /** Waits until every accepted Exec has settled (its alert queued). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private commit(): void {
    if (this.commitChanges) this.commitChanges(this.tree.takeChanges());
  }

  private async run(command: Cmd, serverId: string, within: 'top' | 'atomic' | 'sequence'): Promise<Run> {
    const done = (status: number, extra: Partial<Answer> = {}, irreversible = false): Run => ({
      answers: [{ command, status, ...extra }],
      status,
      stop: false,
      irreversible,
    });
    if (DS_ONLY.has(command.kind)) {
      const nested = (command as { commands?: Cmd[] }).commands ?? [];
      return { ...done(StatusCode.OptionalFeatureNotSupported, { reason: `${command.kind} is not a DM command` }), answers: [{ command, status: StatusCode.OptionalFeatureNotSupported }, ...nested.flatMap(notExecuted)] };
    }
    switch (command.kind) {
      case 'Add':
      case 'Replace':
      case 'Delete':
      case 'Copy':
        return done(...this.change(command, serverId));
      case 'Get': {
        if (within === 'atomic') return done(StatusCode.OptionalFeatureNotSupported, { reason: 'no Get inside Atomic' });
        return this.get(command, serverId, done);
      }
      case 'Exec':
        return this.execute(command, serverId, done);
      case 'Alert':
        return this.alert(command, done);
      case 'Atomic':
        if (within === 'atomic') return { ...done(StatusCode.OptionalFeatureNotSupported), answers: [{ command, status: StatusCode.OptionalFeatureNotSupported, reason: 'no Atomic inside Atomic' }, ...command.commands.flatMap(notExecuted)] };
        return this.atomic(command, serverId);
      case 'Sequence':
        return this.sequence(command, serverId, within);
      default:
        return done(StatusCode.CommandNotImplemented);
    }
  }

  private change(command: Extract<Cmd, { kind: 'Add' | 'Replace' | 'Delete' | 'Copy' }>, serverId: string): [number, Partial<Answer>] {
    // A command's items are all or nothing.
    const mark = this.tree.savepoint();
    let status: number = StatusCode.Ok;
    try {
      for (const item of command.items) status = this.changeItem(command, item, serverId);
    } catch (e) {
      this.tree.rollbackTo(mark);
      if (!isTreeError(e)) throw e;
      return [e.status, { reason: e.message }];
    }
    this.tree.release(mark);
    return [status, {}];
  }

  private changeItem(command: Extract<Cmd, { kind: 'Add' | 'Replace' | 'Delete' | 'Copy' }>, item: Item, serverId: string): number {
    const target = item.target?.locURI;
    if (target === undefined) throw new TreeError('an item without Target', StatusCode.BadRequest);
    const meta = itemMeta(command.meta, item.meta);
    const init = { ...(meta.format !== undefined ? { format: meta.format } : {}), ...(meta.type !== undefined ? { type: meta.type } : {}), value: item.data ?? '' };
    switch (command.kind) {
      case 'Add':
        return this.tree.add(target, init, serverId);
      case 'Replace':
        return this.tree.replace(target, init, serverId);
      case 'Delete':
        return this.tree.delete(target, serverId);
      case 'Copy': {
        const source = item.source?.locURI;
        if (source === undefined) throw new TreeError('Copy needs a Source', StatusCode.BadRequest, target);
        return this.tree.copy(target, source, serverId);
      }
    }
  }

  private get(command: Extract<Cmd, { kind: 'Get' }>, serverId: string, done: (s: number, e?: Partial<Answer>) => Run): Run {
    const out: Item[] = [];
    try {
      for (const item of command.items) {
        const target = item.target?.locURI;
        if (target === undefined) return done(StatusCode.BadRequest, { reason: 'an item without Target' });
        for (const r of this.tree.get(target, serverId)) out.push(resultItem(r));
      }
    } catch (e) {
      if (!isTreeError(e)) throw e;
      return done(e.status, { reason: e.message });
    }
    if (out.length === 0) return done(StatusCode.Ok);
    return done(StatusCode.Ok, { results: { targetRefs: [], sourceRefs: [], items: out as [Item, ...Item[]] } });
  }

  private async execute(command: Extract<Cmd, { kind: 'Exec' }>, serverId: string, done: (s: number, e?: Partial<Answer>, irreversible?: boolean) => Run): Promise<Run> {
    const uri = command.item.target?.locURI;
    if (uri === undefined) return done(StatusCode.BadRequest, { reason: 'Exec without Target' });
    let key: string;
    try {
      key = this.tree.requireExec(uri, serverId);
    } catch (e) {
      if (!isTreeError(e)) throw e;
      return done(e.status, { reason: e.message });
    }
    const handler = this.exec.get(key);
    if (!handler) return done(StatusCode.CommandNotAllowed, { reason: `${key} cannot be executed` });
    let outcome;
    try {
      outcome = await handler({
        uri,
        key,
        serverId,
        ...(command.item.data !== undefined ? { data: command.item.data } : {}),
        ...(command.meta || command.item.meta ? { meta: { ...command.meta, ...command.item.meta, emis: [] } } : {}),
        ...(command.correlator !== undefined ? { correlator: command.correlator } : {}),
      });
    } catch (e) {
      return done(StatusCode.CommandFailed, { reason: `the Exec handler failed: ${e instanceof Error ? e.message : String(e)}` });
    }
    if ('accepted' in outcome) {
      this.follow(uri, command.correlator, outcome.accepted);
      return done(StatusCode.AcceptedForProcessing, {}, true);
    }
    return done(outcome.status, {}, isSuccessStatus(outcome.status));
  }

  private follow(uri: string, correlator: string | undefined, work: Promise<ExecCompletion>): void {
    const p: Promise<void> = work
      .then(
        (c) => this.alerts.push(execCompletionAlert(uri, correlator, c)),
        (e: unknown) => this.alerts.push(execCompletionAlert(uri, correlator, { type: 'application/vnd.omadm.exec-failure', data: e instanceof Error ? e.message : String(e), mark: 'critical' })),
      )
      .then(() => {
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private async alert(command: Alert, done: (s: number, e?: Partial<Answer>) => Run): Promise<Run> {
    const code = Number((command.data ?? '').trim());
    if (!isUiAlert(code)) return done(StatusCode.OptionalFeatureNotSupported, { reason: `Alert ${command.data ?? ''} is not one a client runs` });
    if (!this.ui) return done(StatusCode.OptionalFeatureNotSupported, { reason: 'no user interface' });
    const answer = await this.ui(command);
    const run = done(answer.status, answer.items ? { statusItems: answer.items } : {});
    return answer.status === StatusCode.OperationCancelled && code !== AlertCode.Display ? { ...run, stop: true } : run;
  }

  private async atomic(command: Extract<Cmd, { kind: 'Atomic' }>, serverId: string): Promise<Run> {
    const mark = this.tree.savepoint();
    const ran: Run[] = [];
    let failed: { index: number; run: Run } | undefined;
    for (const [index, nested] of command.commands.entries()) {
      const run = await this.run(nested as Cmd, serverId, 'atomic');
      ran.push(run);
      if (run.stop || !isSuccessStatus(run.status)) {
        failed = { index, run };
        break;
      }
    }
    if (!failed) {
      this.tree.release(mark);
      return { answers: [{ command, status: StatusCode.Ok }, ...ran.flatMap((r) => r.answers)], status: StatusCode.Ok, stop: false, irreversible: ran.some((r) => r.irreversible) };
    }
    this.tree.rollbackTo(mark);
    const irreversible = ran.some((r) => r.irreversible);
    const answers: Answer[] = [];
    ran.forEach((r, i) => {
      if (i === failed!.index) answers.push(...r.answers);
      else answers.push(...r.answers.map(rolledBack));
    });
    for (const rest of command.commands.slice(failed.index + 1)) answers.push(...notExecuted(rest as Cmd));
    const status = irreversible ? StatusCode.AtomicRollBackFailed : StatusCode.AtomicFailed;
    return { answers: [{ command, status }, ...answers], status, stop: failed.run.stop, irreversible };
  }

  private async sequence(command: Extract<Cmd, { kind: 'Sequence' }>, serverId: string, within: 'top' | 'atomic' | 'sequence'): Promise<Run> {
    const answers: Answer[] = [];
    let ended: Run | undefined;
    let irreversible = false;
    for (const nested of command.commands) {
      if (ended) {
        answers.push(...notExecuted(nested as Cmd));
        continue;
      }
      const run = await this.run(nested as Cmd, serverId, within === 'atomic' ? 'atomic' : 'sequence');
      answers.push(...run.answers);
      irreversible ||= run.irreversible;
      if (run.stop || !isSuccessStatus(run.status)) ended = run;
    }
    // Inside an Atomic a failure fails the Atomic; on its own the Sequence was carried out.
    const status = ended && within === 'atomic' ? ended.status : StatusCode.Ok;
    return { answers: [{ command, status: StatusCode.Ok }, ...answers], status, stop: ended?.stop ?? false, irreversible };
  }
}

/** 215 for a command that was not run, and for everything it holds. */
function notExecuted(command: Cmd): Answer[] {
  const nested = (command as { commands?: Cmd[] }).commands ?? [];
  return [{ command, status: StatusCode.NotExecuted }, ...nested.flatMap(notExecuted)];
}

/** A command that succeeded inside a failed Atomic: rolled back (216). */
function rolledBack(a: Answer): Answer {
  // An Exec cannot be undone: it keeps its status (and the Atomic answers 516).
  if (a.command.kind === 'Exec' || !isSuccessStatus(a.status) || a.status === StatusCode.NotExecuted) return a;
  const { results: _r, statusItems: _s, ...rest } = a;
  return { ...rest, status: StatusCode.AtomicRollBackOk };
}

function itemMeta(commandMeta: Meta | undefined, item: Meta | undefined): { format?: string; type?: string } {
  const format = item?.format ?? commandMeta?.format;
  const type = item?.type ?? commandMeta?.type;
  return { ...(format !== undefined ? { format: format.trim() } : {}), ...(type !== undefined ? { type: type.trim() } : {}) };
}

function resultItem(r: ResultItem): Item {
  return {
    source: { locURI: r.uri },
    meta: { format: r.format, ...(r.type !== undefined && r.type !== '' ? { type: r.type } : {}), emis: [] },
    ...(r.data !== undefined ? { data: r.data } : {}),
  };
}

export { ExecRegistry };
