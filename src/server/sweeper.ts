/**
 * The server's periodic housekeeping: sessions whose expiry passed are ended
 * (store.expireSessions: their sent jobs go back to the queue), queued jobs whose expiry
 * passed move to the results (store.expireJobs), and stored alerts go to their handlers
 * (the alert dispatcher), every `intervalMs`.
 *
 * Rules kept here
 * 1. Never two sweeps at once: the next one is scheduled only when the last has finished,
 *    and `sweep()` asked for during a sweep joins it.
 * 2. Each stage runs even when an earlier one failed; a failure is reported to the
 *    observers (`sweep-failed`, with its stage) and never stops the schedule.
 * 3. The clock and the timer are injected (tests drive them); the default timer does not
 *    keep the process alive.
 * 4. `stop()` cancels the next sweep and waits for the one in flight.
 * 5. Every session it ends is told to the service observers as `session-ended` (outcome
 *    expired), so logs and metrics count them like the others.
 */
import { notifyObservers, type ServiceObserver } from './service/events.js';
import type { AlertDispatcher, DispatchReport } from './alerts/dispatch.js';
import type { Store } from './store/store.js';

export interface Timer {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** setTimeout that does not hold the process open. */
export const realTimer: Timer = {
  setTimeout(callback, ms) {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export type SweepStage = 'sessions' | 'jobs' | 'alerts';

export interface SweepReport {
  /** The clock when the sweep began. */
  readonly at: number;
  readonly sessionsExpired: number;
  readonly jobsExpired: number;
  /** The alert dispatch, when there is a dispatcher and it did not fail. */
  readonly alerts?: DispatchReport;
  /** Stages that failed. */
  readonly failed: readonly SweepStage[];
}

export type SweepEvent = { readonly type: 'sweep-finished'; readonly report: SweepReport } | { readonly type: 'sweep-failed'; readonly stage: SweepStage; readonly error: unknown };

export type SweepObserver = (event: SweepEvent) => void;

export interface SweeperOptions {
  readonly store: Pick<Store, 'expireSessions' | 'expireJobs'>;
  /** Time between the end of a sweep and the start of the next. Default 30 000 ms. */
  readonly intervalMs?: number;
  /** Milliseconds since the epoch. Default Date.now. */
  readonly clock?: () => number;
  readonly timer?: Timer;
  readonly dispatcher?: Pick<AlertDispatcher, 'run'>;
  /** Sessions ended per sweep at most. Default 500. */
  readonly sessionBatch?: number;
  readonly observers?: readonly SweepObserver[];
  /** Told `session-ended` (expired) for each session a sweep ends. */
  readonly serviceObservers?: readonly ServiceObserver[];
}

export interface Sweeper {
  /** Schedules sweeps every `intervalMs` (the first one interval from now). Starting twice changes nothing. */
  start(): void;
  /** Cancels the next sweep and waits for the one in flight. */
  stop(): Promise<void>;
  /** Sweeps now (joining a sweep in flight). */
  sweep(): Promise<SweepReport>;
  readonly started: boolean;
}

export function createSweeper(options: SweeperOptions): Sweeper {
  const { store } = options;
  const intervalMs = options.intervalMs ?? 30_000;
  const sessionBatch = options.sessionBatch ?? 500;
  for (const [name, v] of [['intervalMs', intervalMs], ['sessionBatch', sessionBatch]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name}: a positive integer, not ${v}`);
  }
  const clock = options.clock ?? Date.now;
  const timer = options.timer ?? realTimer;
  const observers = options.observers ?? [];
  const serviceObservers = options.serviceObservers ?? [];

  const emit = (event: SweepEvent): void => {
    for (const observe of observers) {
      try {
        observe(event);
      } catch {
        // an observer's failure is its own
      }
    }
  };

  let started = false;
  let handle: unknown;
  let inFlight: Promise<SweepReport> | undefined;

  const stage = async <T>(name: SweepStage, failed: SweepStage[], work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      failed.push(name);
      emit({ type: 'sweep-failed', stage: name, error });
      return undefined;
    }
  };

  const runSweep = async (): Promise<SweepReport> => {
    const at = clock();
    const failed: SweepStage[] = [];
    const sessions = await stage('sessions', failed, () => store.expireSessions(at, sessionBatch));
    for (const s of sessions ?? []) {
      notifyObservers(serviceObservers, { type: 'session-ended', outcome: 'expired', deviceId: s.deviceId, sessionId: s.sessionId, sessionRef: s.ref });
    }
    const jobs = await stage('jobs', failed, () => store.expireJobs(at));
    const dispatcher = options.dispatcher;
    const alerts = dispatcher !== undefined ? await stage('alerts', failed, () => dispatcher.run()) : undefined;
    const report: SweepReport = { at, sessionsExpired: sessions?.length ?? 0, jobsExpired: jobs ?? 0, ...(alerts !== undefined ? { alerts } : {}), failed };
    emit({ type: 'sweep-finished', report });
    return report;
  };

  const sweep = (): Promise<SweepReport> => {
    inFlight ??= runSweep().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const schedule = (): void => {
    handle = timer.setTimeout(() => {
      handle = undefined;
      void sweep().finally(() => {
        if (started && handle === undefined) schedule();
      });
    }, intervalMs);
  };

  return {
    start() {
      if (started) return;
      started = true;
      // A sweep still in flight from before a stop() schedules the next one when it ends.
      if (handle === undefined && inFlight === undefined) schedule();
    },
    async stop() {
      started = false;
      if (handle !== undefined) timer.clearTimeout(handle);
      handle = undefined;
      await inFlight?.catch(() => undefined);
    },
    sweep,
    get started() {
      return started;
    },
  };
}
