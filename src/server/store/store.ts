/**
 * The one interface every backend implements (SQLite embedded, PostgreSQL for more than
 * one server process); test/server/store-suite.ts runs the same tests on each. All
 * methods are async, take the time as `now`, and hold no state between calls: any
 * server process may serve any message of any session.
 */
import type {
  AlertDelivery,
  AlertDeliveryState,
  AlertInit,
  AnnouncedSession,
  AnnouncedSessionInit,
  AuthFailures,
  BeginSessionResult,
  ClaimedJob,
  Device,
  DeviceInit,
  DeviceNonces,
  Job,
  JobChangeResult,
  JobFinish,
  JobSettle,
  JobInit,
  JobOutcome,
  JsonValue,
  SaveSessionResult,
  SessionChanges,
  SessionOutcome,
  SessionRow,
  StoredAlert,
  StoreLimits,
  TranscriptEntry,
  TranscriptInit,
} from './types.js';

export interface Page {
  /** At most this many rows (the store caps it). */
  readonly limit?: number;
  /** Rows with an id below this one (newest first), for the next page. */
  readonly before?: number;
}

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  readonly limits: StoreLimits;

  // ---- devices
  /** Adds a device; refused (StoreInputError on `id`) when it exists. */
  addDevice(init: DeviceInit, now: number): Promise<Device>;
  /** Replaces what is known of a device (its credentials, server id); nonces are kept. */
  updateDevice(init: DeviceInit, now: number): Promise<Device>;
  getDevice(id: string): Promise<Device | undefined>;
  listDevices(page?: { readonly limit?: number; readonly after?: string }): Promise<Device[]>;
  /** Removes a device with everything it has (sessions, jobs, results, alerts, nonces). */
  deleteDevice(id: string): Promise<boolean>;

  // ---- nonces
  getNonces(deviceId: string): Promise<DeviceNonces>;
  /** `getDevice` and `getNonces` in one query (every DM message needs both). */
  getDeviceWithNonces(id: string): Promise<{ readonly device: Device; readonly nonces: DeviceNonces } | undefined>;
  /** Saves the fields given; absent fields keep their value. */
  saveNonces(deviceId: string, nonces: DeviceNonces, now: number): Promise<void>;

  // ---- sessions
  /** Starts a session, unless another live one exists: a session whose expiry passed is
   * ended first (outcome expired, its sent jobs back to the queue). */
  beginSession(deviceId: string, sessionId: string, snapshot: JsonValue, now: number, ttlMs: number): Promise<BeginSessionResult>;
  /** The device's live session (not ended; it may have expired and not been swept yet). */
  liveSession(deviceId: string): Promise<SessionRow | undefined>;
  getSession(ref: number): Promise<SessionRow | undefined>;
  listSessions(deviceId: string, page?: Page): Promise<SessionRow[]>;
  /** Saves a snapshot over the version read; refused when someone saved since. With
   * `changes`, what the message changed (finished jobs, its transcript, the end of the
   * session) goes in the same transaction: all of it is saved, or nothing when refused.
   * Every finish and transcript entry is checked before anything changes. */
  saveSession(ref: number, version: number, snapshot: JsonValue, now: number, ttlMs: number, changes?: SessionChanges): Promise<SaveSessionResult>;
  /** The data kept for a large object being received (`SessionChanges.received`), its
   * pieces in order. */
  receivedChunks(sessionRef: number, object: number): Promise<string[]>;
  /** Ends a session; jobs it sent whose Status did not arrive go back to the queue. */
  endSession(ref: number, outcome: SessionOutcome, now: number): Promise<SessionRow | undefined>;
  /** Ends every live session whose expiry passed; returns them. */
  expireSessions(now: number, limit?: number): Promise<SessionRow[]>;

  // ---- transcripts
  /** Records a message of a session, within the limits (later messages only counted). */
  recordMessage(entry: TranscriptInit, now: number): Promise<boolean>;
  /** `recordMessage` for each entry in turn, in one transaction (a message in and the
   * answer out); one answer per entry. */
  recordMessages(entries: readonly TranscriptInit[], now: number): Promise<boolean[]>;
  transcript(sessionRef: number): Promise<TranscriptEntry[]>;

  // ---- jobs
  enqueueJob(init: JobInit, now: number): Promise<Job>;
  /** A job, from the queue or from the results. */
  getJob(id: number): Promise<Job | undefined>;
  /** A device's jobs: those still to do (oldest first), then results (newest first). */
  listJobs(deviceId: string, page?: Page): Promise<Job[]>;
  /** Takes up to `limit` queued jobs of the device, oldest first, and marks them sent in
   * the session. Jobs whose expiry passed become expired instead. Safe when several
   * processes claim at once: no job is claimed twice. */
  claimJobs(deviceId: string, sessionRef: number, now: number, limit: number): Promise<ClaimedJob[]>;
  /** The job's Status arrived: done (success code) or failed, with what came back. Only a
   * job sent in `sessionRef` may finish this way. */
  finishJob(id: number, sessionRef: number, outcome: JobOutcome, now: number): Promise<JobChangeResult>;
  /** Gives back jobs `sessionRef` claimed for a message it could not save (another process
   * saved the session first): queued again, their attempt not counted, also when the end
   * of that session put them back in the queue already. Returns how many. */
  unclaimJobs(ids: readonly number[], sessionRef: number): Promise<number>;
  /** `finishJob` for each job in turn, in one transaction (the Statuses of one message);
   * one answer per job, in order. Every outcome is checked before anything changes. */
  finishJobs(sessionRef: number, finishes: readonly JobFinish[], now: number): Promise<JobChangeResult[]>;
  /** `finishJobs` with the state given for each job (done or failed, and why), not read
   * from its code: a UI alert answered 304 ("No") is done; one transaction. */
  finishJobsAs(sessionRef: number, settles: readonly JobSettle[], now: number): Promise<JobChangeResult[]>;
  /** Withdraws a queued job. */
  cancelJob(id: number, now: number): Promise<JobChangeResult>;
  /** Moves queued jobs whose expiry passed to the results. */
  expireJobs(now: number): Promise<number>;
  /** Counts of the queue and of the results by state (for /metrics). */
  jobCounts(): Promise<Record<Job['state'], number>>;

  // ---- alerts
  recordAlert(alert: AlertInit, now: number): Promise<StoredAlert>;
  listAlerts(deviceId: string, page?: Page): Promise<StoredAlert[]>;
  /** Alerts not yet handed to every handler, oldest first. */
  unhandledAlerts(limit: number): Promise<StoredAlert[]>;
  markAlertHandled(id: number, now: number): Promise<boolean>;
  /** Claims the delivery of an alert to a handler for `owner` until `now + leaseMs`: when it
   * is pending and no other claim holds (none yet, or its lease ran out). One claimant at a
   * time across processes; undefined when not claimed (delivered, given up, held). */
  claimAlertDelivery(alertId: number, handler: string, owner: string, now: number, leaseMs: number): Promise<AlertDelivery | undefined>;
  /** Ends `owner`'s claim: delivered, given up, or pending again (counting a failure when
   * `failed`). Undefined when `owner` no longer held it (its lease ran out and another took it). */
  settleAlertDelivery(alertId: number, handler: string, owner: string, state: AlertDeliveryState, failed: boolean, now: number): Promise<AlertDelivery | undefined>;
  /** Where the alert stands with each handler that was offered it. */
  alertDeliveries(alertId: number): Promise<AlertDelivery[]>;

  // ---- announced sessions (Package#0)
  /** Records the session a Package#0 announced; it replaces the device's last announcement. */
  recordAnnouncedSession(init: AnnouncedSessionInit, now: number): Promise<AnnouncedSession>;
  /** The device's last announcement, unless its expiry passed. */
  announcedSession(deviceId: string, now: number): Promise<AnnouncedSession | undefined>;

  // ---- failed authentications
  authFailures(deviceId: string): Promise<AuthFailures | undefined>;
  /** Counts one failure in the window starting at the first; locks when `max` is reached. */
  recordAuthFailure(deviceId: string, now: number, policy: AuthFailurePolicy): Promise<AuthFailures>;
  clearAuthFailures(deviceId: string): Promise<void>;

  close(): Promise<void>;
}

export interface AuthFailurePolicy {
  /** Failures within `windowMs` that lock the device out. */
  readonly max: number;
  readonly windowMs: number;
  /** How long the lock lasts. */
  readonly lockMs: number;
}
