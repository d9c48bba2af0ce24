/**
 * The jobs of one session between their claim and their outcome, as plain data kept in the
 * stored session (stored-session.ts), so any process reads the Status of a job another
 * process sent.
 *
 * Rules
 * 1. Jobs go out in the order claimed, one command each (job-commands.ts). Each message we
 *    send is read back (`sent`): each of its management commands is a piece of the first
 *    job still going out, and every piece and the commands nested in it are named by
 *    MsgID and CmdID, as Statuses name them. A job's command may go in several pieces: a
 *    large object in chunks over contiguous messages (MoreData on all but the last), and
 *    a command with several items too large for one message split into one command per
 *    item (the session core does both, in order, before the next command): the job goes
 *    out until each of its items went whole or in its last chunk.
 * 2. A Status naming a piece gives the job its Status, except 213 (a chunk was taken, the
 *    rest follows). A job split into several commands waits for the Status of each, and
 *    keeps the first that is not a success (else the first). A final Status for a chunk
 *    that is not the last ends the object (the device refused it). A Status naming a
 *    nested command gives the container's inner code.
 * 3. A job is finished only once its Status arrived; a Get waits for its Results too, until
 *    the device's package is complete (Results in chunks come after the Status).
 * 4. A job answered 401 or 407 was refused for want of our credentials (the device
 *    challenged our SyncHdr, 9.1): it goes again, with the credentials the challenge asks
 *    for, at most MAX_RESENDS times; then the refusal is its outcome.
 * 5. A job whose Status the device's package left out (`status-missing`), or answered
 *    214 (operation cancelled: the device aborted before running it), leaves the
 *    session's books: it stays sent in the store, which puts it back in the queue when
 *    the session ends. Not a UI alert: its 214 is the user's answer (the user cancelled
 *    the interaction, 10.2), which rule 7 settles; asking again would pester the user.
 * 6. A job whose command the session withheld (the device announced a MaxObjSize smaller
 *    than one of its items after it was queued: `Outgoing.withheld`, section 8) never
 *    goes: it is finished at once with 413, and the reason names the MaxObjSize. Read
 *    before the message is read back (`sent`), so its pieces are not taken for the next
 *    job's. Each withheld command is matched to the first job still going out whose
 *    command has its kind and its items (URI and size of data): a queued job, or the
 *    large object being sent.
 * 7. What an answer means is the job's (`settlement`): a job is done when its code is a
 *    success, and failed otherwise, except a UI confirm (Alert 1101), whose 200 is "Yes"
 *    and 304 is "No" (10.2): both are the user's answer, done, with `answer` ['yes'] or
 *    ['no'] in the outcome. A UI alert answered 214 failed: the user cancelled, and
 *    the last error says so. A withheld job's reason is kept as its last error.
 *    A command answered 215 (not executed: the device stopped processing after a
 *    cancel or a "No") failed too, with a reason, and is not sent again: what the user
 *    stopped must not run unasked in a later session. Neither 214 nor 215 counts as a
 *    success for a job, though both are 2xx.
 */
import { AlertCode, StatusCode } from '../../../generated/codes.js';
import { isResponse, itemsOf, nestedCommands } from '../../../generated/command-helpers.js';
import type { SyncBodyCommandDraft } from '../../../generated/builders.js';
import type { Command, Item, Meta, Results, Status, SyncML } from '../../../generated/types.js';
import { jobCommand, jobOutcome } from '../jobs/job-commands.js';
import type { JobOp, JobSpec } from '../store/job-spec.js';
import { jobSucceeded } from '../store/job-states.js';
import type { JobSettle } from '../store/types.js';

/** Specs up to this size (JSON) are kept in the session for the outcome; larger ones are read back. */
const KEPT_SPEC_BYTES = 4096;

export interface JobInFlight {
  readonly id: number;
  readonly op: JobOp;
  readonly spec?: JobSpec;
  /** Pieces of its command are still to go out. */
  readonly sending: boolean;
  readonly status?: Pick<Status, 'data' | 'items'>;
  /** Codes of the nested commands (Atomic, Sequence), by position; null until known. */
  readonly inner: readonly (number | null)[];
  readonly results: readonly Pick<Results, 'items' | 'meta'>[];
  /** Rule 4: to be sent again, and how often it was. */
  readonly resend?: true;
  readonly resends?: number;
  /** Rule 5: answered 214, to be dropped from the books. */
  readonly cancelled?: true;
  /** Rule 6: its command's kind and its items (`URI#length of data`, nested ones too), to tell it among withheld drafts. */
  readonly shape?: readonly string[];
  /** Rule 1: the URIs of its items still to go, for a command of several items (it may be split). */
  readonly toGo?: readonly string[];
  /** Rule 2: the pieces sent whole (or as a last chunk) whose Status has not come yet. */
  readonly finals?: readonly string[];
}

export interface JobsSnapshot {
  readonly inFlight: readonly JobInFlight[];
  /** `MsgID:CmdID` of each piece sent and each command nested in it → [job id, nested position or -1]. */
  readonly pieces: { readonly [key: string]: readonly [number, number] };
}

export const NO_JOBS: JobsSnapshot = { inFlight: [], pieces: {} };

/** Times a job refused for want of our credentials goes again (rule 4). */
export const MAX_RESENDS = 2;

/** Protocol alerts a session sends on its own; never a job's piece. */
const PROTOCOL_ALERTS: readonly number[] = [AlertCode.NextMessage, AlertCode.SessionAbort, AlertCode.NoEndOfData];

export interface Finished {
  readonly id: number;
  readonly spec?: JobSpec;
  readonly status: Pick<Status, 'data' | 'items'>;
  readonly results: readonly Pick<Results, 'items' | 'meta'>[];
  readonly inner: readonly Pick<Status, 'data'>[];
  /** Why it failed, when the device did not say (rule 6). */
  readonly reason?: string;
}

/** Rule 6: a job finished because its command was withheld, and why. */
export interface Withheld extends Finished {
  readonly reason: string;
}

/** Rule 7: the outcome of a finished job, and whether it is done or failed. */
export function settlement(f: Finished, spec: JobSpec): JobSettle {
  const outcome = jobOutcome(spec, f.status, f.results, f.inner);
  if (spec.op === 'ui' && spec.code === AlertCode.ConfirmOrReject && (outcome.status === StatusCode.Ok || outcome.status === StatusCode.NotModified)) {
    return { id: f.id, outcome: { ...outcome, answer: [outcome.status === StatusCode.Ok ? 'yes' : 'no'] }, state: 'done' };
  }
  if (spec.op === 'ui' && outcome.status === StatusCode.OperationCancelled) {
    return { id: f.id, outcome, state: 'failed', lastError: `the user cancelled alert ${spec.code} (214, section 10.2)` };
  }
  if (outcome.status === StatusCode.NotExecuted) {
    return { id: f.id, outcome, state: 'failed', lastError: 'not executed: the device stopped processing the package before this command (215)' };
  }
  return { id: f.id, outcome, state: jobSucceeded(outcome.status) ? 'done' : 'failed', ...(f.reason !== undefined ? { lastError: f.reason } : {}) };
}

/** Kind, then `URI#length` of every item, nested commands' too (rule 6). */
function shapeOf(draft: SyncBodyCommandDraft): string[] {
  const out: string[] = [draft.kind];
  const walk = (d: SyncBodyCommandDraft): void => {
    for (const i of itemsOf(d)) out.push(`${i.target?.locURI ?? i.source?.locURI ?? ''}#${i.data?.length ?? 0}`);
    for (const c of nestedCommands(d)) walk(c);
  };
  walk(draft);
  return out;
}

/** The URIs of a command's items when it has several (rule 1): one command per item if split. */
function itemURIs(draft: { readonly items?: readonly Pick<Item, 'target' | 'source'>[] }): string[] | undefined {
  const items = Array.isArray(draft.items) ? draft.items : [];
  return items.length > 1 ? items.map(uriOf) : undefined;
}

function uriOf(item: Pick<Item, 'target' | 'source'>): string {
  return item.target?.locURI ?? item.source?.locURI ?? '';
}

/** Rule 2: the first code that is not a success, else the first. */
function worse(a: Pick<Status, 'data' | 'items'> | undefined, b: Pick<Status, 'data' | 'items'>): Pick<Status, 'data' | 'items'> {
  if (a === undefined) return b;
  return jobSucceeded(Number(a.data.trim())) && !jobSucceeded(Number(b.data.trim())) ? b : a;
}

/** The withheld draft is the job's command, or one of its items split off (rule 6). */
function shapeFits(job: readonly string[], draft: readonly string[]): boolean {
  return job[0] === draft[0] && draft.slice(1).every((item) => job.includes(item, 1));
}

function key(msgID: string, cmdID: string): string {
  return `${msgID.trim()}:${cmdID.trim()}`;
}

/** Depth-first, as the device answers them. */
function flatNested(command: Command): Command[] {
  return nestedCommands(command).flatMap((c) => [c, ...flatNested(c)]);
}

function hasMoreData(command: Command): boolean {
  return itemsOf(command).some((i: Item) => i.moreData === true) || nestedCommands(command).some(hasMoreData);
}

export class SessionJobs {
  private inFlight: JobInFlight[];
  private pieces: Record<string, readonly [number, number]>;

  constructor(s: JobsSnapshot = NO_JOBS) {
    this.inFlight = s.inFlight.map((j) => ({ ...j }));
    this.pieces = { ...s.pieces };
  }

  snapshot(): JobsSnapshot {
    return { inFlight: this.inFlight, pieces: this.pieces };
  }

  /** No job of the session awaits anything: new ones may be claimed. */
  get idle(): boolean {
    return this.inFlight.length === 0;
  }

  /** Jobs claimed and given to the session (`send`), in that order. */
  add(id: number, spec: JobSpec): void {
    const small = JSON.stringify(spec).length <= KEPT_SPEC_BYTES;
    const command = jobCommand(spec);
    const toGo = itemURIs(command as Parameters<typeof itemURIs>[0]);
    this.inFlight.push({ id, op: spec.op, ...(small ? { spec } : {}), sending: true, inner: [], results: [], shape: shapeOf(command), ...(toGo ? { toGo } : {}) });
  }

  /**
   * Rule 6: the commands the session withheld from the message it packed (call it before
   * `sent` with that message). Returns those jobs, finished with 413, off the books.
   * `maxObjSize`: the device's, as it announced it last.
   */
  withhold(drafts: readonly SyncBodyCommandDraft[], maxObjSize?: string | number): Withheld[] {
    const out: Withheld[] = [];
    const limit = maxObjSize !== undefined && String(maxObjSize).trim() !== '' ? ` of ${String(maxObjSize).trim()} bytes` : '';
    for (const draft of drafts) {
      if (draft.kind === 'Results' || draft.kind === 'Status') continue;
      const shape = shapeOf(draft);
      const job = this.inFlight.find((j) => j.sending && !out.some((o) => o.id === j.id) && j.shape !== undefined && shapeFits(j.shape, shape));
      if (job === undefined) continue;
      out.push({
        id: job.id,
        ...(job.spec ? { spec: job.spec } : {}),
        status: { data: String(StatusCode.RequestEntityTooLarge), items: [] },
        results: [],
        inner: [],
        reason: `job ${job.id} not sent: its ${draft.kind} carries an object larger than the device's MaxObjSize${limit} (announced after it was queued, section 8)`,
      });
    }
    for (const w of out) this.remove(w.id);
    return out;
  }

  /** A job claimed but never sent (the session refused its command): out of the books. */
  remove(id: number): void {
    this.inFlight = this.inFlight.filter((j) => j.id !== id);
    for (const [k, v] of Object.entries(this.pieces)) if (v[0] === id) delete this.pieces[k];
  }

  /** Rule 1: reads back a message we sent. Returns the ids of the jobs whose last piece went. */
  sent(message: SyncML): number[] {
    const msgID = message.syncHdr.msgID;
    const done: number[] = [];
    for (const c of message.syncBody.commands) {
      if (isResponse(c)) continue;
      if (c.kind === 'Alert' && PROTOCOL_ALERTS.includes(Number((c.data ?? '').trim()))) continue;
      const at = this.inFlight.findIndex((j) => j.sending);
      if (at < 0) continue;
      const job = this.inFlight[at]!;
      const piece = key(msgID, c.cmdID);
      this.pieces[piece] = [job.id, -1];
      flatNested(c).forEach((n, i) => (this.pieces[key(msgID, n.cmdID)] = [job.id, i]));
      if (hasMoreData(c)) continue;
      // Its items went whole (or as their last chunk): the job goes on while others are to go.
      let toGo = job.toGo;
      if (toGo !== undefined) {
        const left = [...toGo];
        for (const uri of itemsOf(c).map(uriOf)) {
          const i = left.indexOf(uri);
          if (i >= 0) left.splice(i, 1);
        }
        toGo = left;
      }
      const sending = toGo !== undefined && toGo.length > 0;
      const { toGo: _, ...rest } = job;
      this.inFlight[at] = { ...rest, ...(sending ? { toGo } : {}), sending, finals: [...(job.finals ?? []), piece] };
      if (!sending) done.push(job.id);
    }
    return done;
  }

  /** Rule 2. Returns the job id the Status is for, if any. */
  status(status: Status): number | undefined {
    const piece = key(status.msgRef, status.cmdRef);
    const named = this.pieces[piece];
    if (named === undefined) return undefined;
    const [id, nested] = named;
    const code = Number(status.data.trim());
    this.update(id, (j) => {
      if (nested >= 0) {
        const inner = [...j.inner];
        while (inner.length <= nested) inner.push(null);
        inner[nested] = code;
        return { ...j, inner };
      }
      if (code === StatusCode.ChunkedItemAccepted) return j;
      if (code === StatusCode.OperationCancelled && j.op !== 'ui') return { ...j, cancelled: true };
      const resends = j.resends ?? 0;
      if ((code === StatusCode.InvalidCredentials || code === StatusCode.MissingCredentials) && resends < MAX_RESENDS) {
        const command = j.shape !== undefined && j.spec !== undefined ? jobCommand(j.spec) : undefined;
        const toGo = command && itemURIs(command as Parameters<typeof itemURIs>[0]);
        return { id: j.id, op: j.op, ...(j.spec ? { spec: j.spec } : {}), sending: true, inner: [], results: [], resend: true, resends: resends + 1, ...(j.shape ? { shape: j.shape } : {}), ...(toGo ? { toGo } : {}) };
      }
      const answered = { data: status.data, items: status.items };
      const at = j.finals?.indexOf(piece) ?? -1;
      if (at >= 0) {
        // Rule 2: one of its pieces answered; the job waits for the others.
        const finals = j.finals!.filter((_, i) => i !== at);
        return { ...j, finals, status: worse(j.status, answered) };
      }
      // A final answer to a chunk before the last (or from a session kept before pieces were
      // counted) ends the object's pieces too: the device refused it (or took it whole).
      const { toGo: _, ...rest } = j;
      return { ...rest, sending: false, finals: [], status: worse(j.status, answered) };
    });
    return id;
  }

  /** Results of a Get we sent (MsgRef may be missing: the latest piece with that CmdID). */
  results(results: Results): number | undefined {
    let piece = results.msgRef !== undefined && results.msgRef.trim() !== '' ? this.pieces[key(results.msgRef, results.cmdRef)] : undefined;
    if (piece === undefined) {
      const suffix = `:${results.cmdRef.trim()}`;
      const keys = Object.keys(this.pieces).filter((k) => k.endsWith(suffix));
      const last = keys.at(-1);
      piece = last === undefined ? undefined : this.pieces[last];
    }
    if (piece === undefined) return undefined;
    const id = piece[0];
    const entry: Pick<Results, 'items' | 'meta'> = { items: results.items, ...(results.meta ? { meta: results.meta as Meta } : {}) };
    this.update(id, (j) => ({ ...j, results: [...j.results, entry] }));
    return id;
  }

  private update(id: number, change: (j: JobInFlight) => JobInFlight): void {
    const at = this.inFlight.findIndex((j) => j.id === id);
    if (at >= 0) this.inFlight[at] = change(this.inFlight[at]!);
  }

  /** Rule 4: the jobs to send again now, in order (their flag cleared). */
  takeResends(): { readonly id: number; readonly spec?: JobSpec }[] {
    const out = this.inFlight.filter((j) => j.resend === true);
    this.inFlight = this.inFlight.map((j) => {
      if (j.resend !== true) return j;
      const { resend: _, ...rest } = j;
      return rest;
    });
    // Pieces of the first sending are answered: forget them.
    for (const [k, v] of Object.entries(this.pieces)) if (out.some((j) => j.id === v[0])) delete this.pieces[k];
    return out.map((j) => ({ id: j.id, ...(j.spec ? { spec: j.spec } : {}) }));
  }

  /** Rule 5. */
  statusMissing(command: Command, msgID: string): void {
    const piece = this.pieces[key(msgID, command.cmdID)];
    if (piece !== undefined && piece[1] === -1) this.remove(piece[0]);
  }

  /** Rule 3: the jobs that are finished now, taken off the books. `all`: the session ends. */
  takeFinished(packageComplete: boolean, all = false): Finished[] {
    for (const j of this.inFlight.filter((j) => j.cancelled === true)) this.remove(j.id);
    const out: Finished[] = [];
    for (const j of this.inFlight) {
      // Rule 2: finished once no piece of it is to go or awaits its Status.
      if (j.status === undefined || j.sending || (j.finals?.length ?? 0) > 0) continue;
      const code = Number(j.status.data.trim());
      const waitsForResults = j.op === 'get' && code >= 200 && code < 300 && j.results.length === 0 && !packageComplete && !all;
      if (waitsForResults) continue;
      out.push({
        id: j.id,
        ...(j.spec ? { spec: j.spec } : {}),
        status: j.status,
        results: j.results,
        inner: j.inner.flatMap((c) => (c === null ? [] : [{ data: String(c) }])),
      });
    }
    for (const f of out) this.remove(f.id);
    return out;
  }
}
