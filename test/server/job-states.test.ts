/** The job life table: what each event does, and that only a Status finishes a sent job. */
import { describe, expect, it } from 'vitest';
import { JOB_TRANSITIONS, RESULT_STATES, LIVE_JOB_STATES, jobSucceeded, nextJobState, stateAfter, statesAccepting, type JobEvent } from '../../src/server/store/index.js';

describe('job states', () => {
  it('goes queued → sent → done | failed, back to queued when its session died, and expired or cancelled only before it was sent', () => {
    expect(JOB_TRANSITIONS).toEqual({
      queued: { claim: 'sent', expire: 'expired', cancel: 'cancelled' },
      sent: { 'status-ok': 'done', 'status-error': 'failed', requeue: 'queued', exhaust: 'failed', unclaim: 'queued' },
      done: {},
      failed: {},
      expired: {},
      cancelled: {},
    });
  });

  it('keeps the queue to the states with a way out; the rest are results', () => {
    expect([...RESULT_STATES].sort()).toEqual(['cancelled', 'done', 'expired', 'failed']);
    expect([...LIVE_JOB_STATES].sort()).toEqual(['queued', 'sent']);
  });

  it('reaches done only by a Status, and only from sent', () => {
    const events = Object.values(JOB_TRANSITIONS).flatMap((row) => Object.keys(row)) as JobEvent[];
    for (const e of new Set(events)) {
      for (const s of statesAccepting(e)) expect(nextJobState(s, e)).toBe(stateAfter(e));
      if (stateAfter(e) === 'done') expect([e, statesAccepting(e)]).toEqual(['status-ok', ['sent']]);
    }
    expect(nextJobState('done', 'status-ok')).toBeUndefined();
    expect(nextJobState('queued', 'status-ok')).toBeUndefined();
  });

  it('counts a Status as success when it says the command ran: 2xx but not 214 (cancelled) or 215 (not executed)', () => {
    expect([200, 202, 213, 216].map(jobSucceeded)).toEqual([true, true, true, true]);
    expect([214, 215, 304, 404, 500].map(jobSucceeded)).toEqual([false, false, false, false, false]);
  });
});
