/**
 * The life of a job, as a table: every change of a job's state is a row here, and the
 * store refuses any change the table lacks (it names event and state). Two rules:
 *   - a job is done (or failed) only when its Status arrived: `status` is the only way
 *     out of `sent` into a result;
 *   - a job that was sent in a session that ended without its Status goes back to
 *     `queued` (`requeue`), or to `failed` when its attempts are spent (`exhaust`).
 * queued and sent rows make the queue; the other states are results, kept in their own
 * table so the queue holds only work still to do.
 */
import { isSuccessStatus, StatusCode } from '../../../generated/codes.js';
import type { JobState } from './types.js';

/** Whether a job's Status code means it ran: a 2xx other than 214 (cancelled) and 215
 * (not executed), which are 2xx yet say the command did not run (10.2). */
export function jobSucceeded(code: number): boolean {
  return isSuccessStatus(code) && code !== StatusCode.OperationCancelled && code !== StatusCode.NotExecuted;
}

export type JobEvent =
  /** A session takes the job to send it. */
  | 'claim'
  /** Its Status arrived with a success code. */
  | 'status-ok'
  /** Its Status arrived with an error code. */
  | 'status-error'
  /** The session it was sent in ended without its Status; attempts remain. */
  | 'requeue'
  /** As requeue, but it was sent as often as it may be. */
  | 'exhaust'
  /** Its expiry passed before it was sent. */
  | 'expire'
  /** Someone withdrew it before it was sent. */
  | 'cancel'
  /** The session that claimed it could not save the message it went in (another process
   * served that message first): it never left, so it is queued as if never claimed. */
  | 'unclaim';

export const JOB_TRANSITIONS: { readonly [S in JobState]: { readonly [E in JobEvent]?: JobState } } = {
  queued: { claim: 'sent', expire: 'expired', cancel: 'cancelled' },
  sent: { 'status-ok': 'done', 'status-error': 'failed', requeue: 'queued', exhaust: 'failed', unclaim: 'queued' },
  done: {},
  failed: {},
  expired: {},
  cancelled: {},
};

/** The states that are results: nothing leaves them. */
export const RESULT_STATES: readonly JobState[] = (Object.keys(JOB_TRANSITIONS) as JobState[]).filter((s) => Object.keys(JOB_TRANSITIONS[s]).length === 0);

/** The state a job in `state` goes to on `event`, or undefined when the table has no row. */
export function nextJobState(state: JobState, event: JobEvent): JobState | undefined {
  return JOB_TRANSITIONS[state][event];
}

/** The states `event` may leave (for the store's WHERE clauses). */
export function statesAccepting(event: JobEvent): JobState[] {
  return (Object.keys(JOB_TRANSITIONS) as JobState[]).filter((s) => JOB_TRANSITIONS[s][event] !== undefined);
}

/** The one state `event` leads to from any state that accepts it. */
export function stateAfter(event: JobEvent): JobState {
  const targets = new Set(statesAccepting(event).map((s) => JOB_TRANSITIONS[s][event]!));
  if (targets.size !== 1) throw new Error(`job event '${event}' leads to ${targets.size} states`);
  return [...targets][0]!;
}
