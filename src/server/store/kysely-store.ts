/**
 * The Store over Kysely: one implementation for both backends. Where they differ it says
 * so (`backend`): PostgreSQL claims jobs with `FOR UPDATE SKIP LOCKED` so several server
 * processes never take the same job; SQLite is one process and serialises every
 * statement on its one connection.
 *
 * The methods every DM message calls (device, nonces, live session, begin, claim, save)
 * run as units of work (`Units`): on SQLite directly on the connection (sqlite.ts), on
 * PostgreSQL as a Kysely transaction; their queries are compiled once (compiled.ts), or
 * compiled at the call for the rare ones, and take the unit's runner.
 */
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Database, JobResultTable, JobTable, TranscriptTable } from './schema.js';
import { compileOnce, compileOncePerCount, type Runner } from './compiled.js';
import type { AuthFailurePolicy, Page, Store } from './store.js';
import {
  DEFAULT_LIMITS,
  type AlertDelivery,
  type AlertDeliveryState,
  type AlertInit,
  type AnnouncedSession,
  type AnnouncedSessionInit,
  type AuthFailures,
  type BeginSessionResult,
  type ClaimedJob,
  type Device,
  type DeviceInit,
  type DeviceNonces,
  type Job,
  type JobChangeResult,
  type JobFinish,
  type JobInit,
  type JobOutcome,
  type JobSettle,
  type JobState,
  type JsonValue,
  type SaveSessionResult,
  type SessionChanges,
  type SessionOutcome,
  type SessionRow,
  type StoredAlert,
  type StoreLimits,
  type TranscriptEntry,
  type TranscriptInit,
} from './types.js';
import { parseJobSpec } from './job-spec.js';
import { jobSucceeded, stateAfter, statesAccepting, type JobEvent } from './job-states.js';
import { StoreInputError } from './errors.js';
import { alertDeliveries, claimAlertDelivery, settleAlertDelivery } from './alert-deliveries.js';
import { boundedId, deviceRow, fromBase64, toAlert, toBase64, toDevice, toFailures, toJob, toResultJob, toSession, toSessionWith, toTranscript } from './rows.js';

export type Backend = 'sqlite' | 'postgres';

const MAX_PAGE = 500;
/** Finishes taken per statement: 14 parameters a row keeps an insert far below any backend's limit. */
const FINISH_BATCH = 200;
const DEFAULT_MAX_ATTEMPTS = 5;
const ENDED_BEFORE_STATUS = 'the session ended before the Status arrived';

type Db = Kysely<Database> | Transaction<Database>;

/** How the store runs a unit of work: its queries on one runner, in one transaction when asked. */
export interface Units {
  run<T>(work: (db: Runner) => Promise<T>, transaction: boolean): Promise<T>;
}

/** Units as Kysely runs them (PostgreSQL): a transaction, or the pool. */
function kyselyUnits(db: Kysely<Database>): Units {
  return {
    run: (work, transaction) => (transaction ? db.transaction().execute((trx) => work(trx)) : work(db)),
  };
}

export class KyselyStore implements Store {
  readonly limits: StoreLimits;
  /** The queries of every DM message, built once (compiled.ts). */
  private readonly q;
  private readonly units: Units;

  constructor(
    private readonly db: Kysely<Database>,
    readonly backend: Backend,
    limits: Partial<StoreLimits> = {},
    private readonly onClose: () => Promise<void> = async () => db.destroy(),
    units?: Units,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.q = hotQueries(db, backend, this.limits);
    this.units = units ?? kyselyUnits(db);
  }

  // ---------------------------------------------------------------- devices

  async addDevice(init: DeviceInit, now: number): Promise<Device> {
    const row = deviceRow(init, now, now);
    const inserted = await this.db.insertInto('devices').values(row).onConflict((oc) => oc.column('id').doNothing()).returningAll().executeTakeFirst();
    if (inserted === undefined) throw new StoreInputError('id', `device ${JSON.stringify(init.id)} exists`);
    return toDevice(inserted);
  }

  async updateDevice(init: DeviceInit, now: number): Promise<Device> {
    const { id, created_at: _, ...rest } = deviceRow(init, now, now);
    const updated = await this.db.updateTable('devices').set(rest).where('id', '=', id).returningAll().executeTakeFirst();
    if (updated === undefined) throw new StoreInputError('id', `no device ${JSON.stringify(id)}`);
    return toDevice(updated);
  }

  async getDevice(id: string): Promise<Device | undefined> {
    const [row] = (await this.units.run((db) => this.q.device(db, id), false)).rows;
    return row && toDevice(row);
  }

  async listDevices(page: { readonly limit?: number; readonly after?: string } = {}): Promise<Device[]> {
    let q = this.db.selectFrom('devices').selectAll().orderBy('id').limit(pageSize(page.limit));
    if (page.after !== undefined) q = q.where('id', '>', page.after);
    return (await q.execute()).map(toDevice);
  }

  async deleteDevice(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Rows that point at the device without a foreign key go first.
      await trx.deleteFrom('transcripts').where('device_id', '=', id).execute();
      const r = await trx.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  // ---------------------------------------------------------------- nonces

  async getNonces(deviceId: string): Promise<DeviceNonces> {
    const [row] = (await this.units.run((db) => this.q.nonces(db, deviceId), false)).rows;
    return row === undefined ? {} : toNonces(row);
  }

  async getDeviceWithNonces(id: string): Promise<{ readonly device: Device; readonly nonces: DeviceNonces } | undefined> {
    const [row] = (await this.units.run((db) => this.q.deviceWithNonces(db, id), false)).rows;
    return row && { device: toDevice(row), nonces: toNonces(row) };
  }

  async saveNonces(deviceId: string, nonces: DeviceNonces, now: number): Promise<void> {
    const set = {
      ...(nonces.nonceToUse !== undefined ? { nonce_to_use: toBase64(nonces.nonceToUse) } : {}),
      ...(nonces.expectedNonce !== undefined ? { expected_nonce: toBase64(nonces.expectedNonce) } : {}),
      ...(nonces.previousExpectedNonce !== undefined ? { previous_expected_nonce: toBase64(nonces.previousExpectedNonce) } : {}),
      updated_at: now,
    };
    await this.mustHaveDevice(this.db, deviceId);
    await this.db
      .insertInto('device_nonces')
      .values({ device_id: deviceId, nonce_to_use: null, expected_nonce: null, previous_expected_nonce: null, ...set })
      .onConflict((oc) => oc.column('device_id').doUpdateSet(set))
      .execute();
  }

  // ---------------------------------------------------------------- sessions

  async beginSession(deviceId: string, sessionId: string, snapshot: JsonValue, now: number, ttlMs: number): Promise<BeginSessionResult> {
    boundedId(sessionId, 'sessionId');
    const text = this.snapshotText(snapshot);
    const attempt = (): Promise<BeginSessionResult> =>
      this.units.run(async (db) => {
        await this.mustHaveDevice(db, deviceId);
        const [live] = (await this.q.liveForUpdate(db, deviceId)).rows;
        const expired: SessionRow[] = [];
        if (live !== undefined) {
          if (Number(live.expires_at) > now) return { ok: false, reason: 'busy', live: toSession(live) };
          const ended = await this.end(db, live.ref, 'expired', now);
          if (ended) expired.push(ended);
        }
        const [row] = (await this.q.insertSession(db, deviceId, sessionId, text, now, now, now + ttlMs)).rows;
        if (row === undefined) throw new Error('the insert into sessions returned no row');
        return { ok: true, session: toSessionWith(row, snapshot), expired };
      }, true);
    try {
      return await attempt();
    } catch (e) {
      // Another process began one between our look and our insert: the index refused ours.
      if (!isUniqueViolation(e)) throw e;
      const live = await this.liveSession(deviceId);
      if (live === undefined) throw e;
      return { ok: false, reason: 'busy', live };
    }
  }

  async liveSession(deviceId: string): Promise<SessionRow | undefined> {
    const [row] = (await this.units.run((db) => this.q.liveSession(db, deviceId), false)).rows;
    return row && toSession(row);
  }

  async getSession(ref: number): Promise<SessionRow | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('ref', '=', ref).executeTakeFirst();
    return row && toSession(row);
  }

  async listSessions(deviceId: string, page: Page = {}): Promise<SessionRow[]> {
    let q = this.db.selectFrom('sessions').selectAll().where('device_id', '=', deviceId).orderBy('ref', 'desc').limit(pageSize(page.limit));
    if (page.before !== undefined) q = q.where('ref', '<', page.before);
    return (await q.execute()).map(toSession);
  }

  async saveSession(ref: number, version: number, snapshot: JsonValue, now: number, ttlMs: number, changes?: SessionChanges): Promise<SaveSessionResult> {
    const text = this.snapshotText(snapshot);
    // Checked before anything changes.
    const events = changes?.finishes ? finishEvents(changes.finishes) : undefined;
    for (const entry of changes?.transcript ?? []) checkTranscript(entry);
    const saved = await this.units.run(async (db): Promise<SaveSessionResult | undefined> => {
      const [row] = (await this.q.saveSession(db, text, version + 1, now, now + ttlMs, ref, version)).rows;
      if (row === undefined) return undefined;
      const session = toSessionWith(row, snapshot);
      if (changes === undefined) return { ok: true, session };
      const finished = changes.finishes && events ? await this.finishAll(db, ref, changes.finishes, events, now) : undefined;
      if (changes.received !== undefined) {
        const c = changes.received;
        if (c.seq === 0) await this.q.dropOtherChunks(db, ref, c.object);
        await this.q.insertChunk(db, ref, c.object, c.seq, JSON.stringify(c.data));
      } else if (changes.receivedDone) await this.q.dropChunks(db, ref);
      const recorded = await this.record(db, changes.transcript ?? [], now);
      const ended = changes.end !== undefined ? await this.end(db, ref, changes.end, now, snapshot) : undefined;
      return { ok: true, session, ...(finished ? { finished } : {}), ...(changes.transcript ? { recorded } : {}), ...(ended ? { ended } : {}) };
    }, changes !== undefined);
    if (saved !== undefined) return saved;
    const current = await this.getSession(ref);
    if (current === undefined) return { ok: false, reason: 'missing' };
    // Saved since (and maybe ended with that save): a conflict; ended over our version: ended.
    return { ok: false, reason: current.version === version && current.endedAt !== undefined ? 'ended' : 'conflict', session: current };
  }

  async receivedChunks(sessionRef: number, object: number): Promise<string[]> {
    const rows = await this.db.selectFrom('received_chunks').select('data').where('session_ref', '=', sessionRef).where('object', '=', object).orderBy('seq').execute();
    return rows.map((r) => JSON.parse(r.data) as string);
  }

  async endSession(ref: number, outcome: SessionOutcome, now: number): Promise<SessionRow | undefined> {
    return this.units.run((db) => this.end(db, ref, outcome, now), true);
  }

  async expireSessions(now: number, limit = MAX_PAGE): Promise<SessionRow[]> {
    const due = await this.db.selectFrom('sessions').select('ref').where('ended_at', 'is', null).where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
    const ended: SessionRow[] = [];
    for (const { ref } of due) {
      const row = await this.units.run((db) => this.end(db, ref, 'expired', now), true);
      if (row) ended.push(row);
    }
    return ended;
  }

  /** Ends a live session (nothing when it already ended), puts back what it sent, and
   * keeps only the newest ended sessions of the device. `snapshot`: the one just saved
   * (not read back). */
  private async end(db: Runner, ref: number, outcome: SessionOutcome, now: number, snapshot?: JsonValue): Promise<SessionRow | undefined> {
    let ended: SessionRow;
    if (snapshot !== undefined) {
      const [row] = (await this.q.endSavedSession(db, now, outcome, ref)).rows;
      if (row === undefined) return undefined;
      ended = toSessionWith(row, snapshot);
    } else {
      const [row] = (await this.q.endSession(db, now, outcome, ref)).rows;
      if (row === undefined) return undefined;
      ended = toSession(row);
    }
    await this.q.dropChunks(db, ref);
    const { rows: sent } = await this.q.sentIn(db, ref);
    for (const job of sent) {
      if (job.attempts < job.max_attempts) {
        await db.executeQuery(this.db.updateTable('jobs').set({ state: stateAfter('requeue'), last_error: ENDED_BEFORE_STATUS }).where('id', '=', job.id).compile());
      } else {
        await this.toResult(db, job, 'exhaust', now, { lastError: `${ENDED_BEFORE_STATUS}, and it was sent ${job.attempts} times` });
      }
    }
    const keep = this.limits.endedSessionsPerDevice;
    const [cutoff] = (await this.q.endedCutoff(db, ended.deviceId, keep)).rows;
    if (cutoff !== undefined) {
      const old = this.db.selectFrom('sessions').select('ref').where('device_id', '=', ended.deviceId).where('ended_at', 'is not', null).where('ref', '<=', cutoff.ref);
      await db.executeQuery(this.db.deleteFrom('transcripts').where('session_ref', 'in', old).compile());
      await db.executeQuery(this.db.deleteFrom('sessions').where('device_id', '=', ended.deviceId).where('ended_at', 'is not', null).where('ref', '<=', cutoff.ref).compile());
    }
    return ended;
  }

  private snapshotText(snapshot: JsonValue): string {
    const text = JSON.stringify(snapshot);
    if (text === undefined) throw new StoreInputError('snapshot', 'is not a JSON value');
    if (Buffer.byteLength(text, 'utf8') > this.limits.snapshotBytes) throw new StoreInputError('snapshot', `larger than ${this.limits.snapshotBytes} bytes of JSON`);
    return text;
  }

  // ---------------------------------------------------------------- transcripts

  async recordMessage(entry: TranscriptInit, now: number): Promise<boolean> {
    return (await this.units.run((db) => this.record(db, [entry], now), true))[0]!;
  }

  async recordMessages(entries: readonly TranscriptInit[], now: number): Promise<boolean[]> {
    if (entries.length === 0) return [];
    return this.units.run((db) => this.record(db, entries, now), true);
  }

  /** Records each entry while its session has room for it (transcriptMessagesPerSession). */
  private async record(db: Runner, entries: readonly TranscriptInit[], now: number): Promise<boolean[]> {
    for (const entry of entries) checkTranscript(entry);
    const most = this.limits.transcriptMessagesPerSession;
    const ref = entries[0]?.sessionRef;
    // All of them counted at once when they are of one session and all fit (a message and its answer).
    if (entries.length > 1 && entries.every((e) => e.sessionRef === ref)) {
      const [counted] = (await this.q.countMessages(db, entries.length, ref!, most - entries.length)).rows;
      if (counted !== undefined) {
        await this.insertTranscripts(db, entries, counted.device_id, now);
        return entries.map(() => true);
      }
    }
    // One at a time: near the bound, the first ones fit and the rest do not.
    const kept: boolean[] = [];
    for (const entry of entries) {
      const [counted] = (await this.q.countMessages(db, 1, entry.sessionRef, most - 1)).rows;
      if (counted !== undefined) await this.insertTranscripts(db, [entry], counted.device_id, now);
      kept.push(counted !== undefined);
    }
    return kept;
  }

  private async insertTranscripts(db: Runner, entries: readonly TranscriptInit[], deviceId: string, now: number): Promise<void> {
    const values: unknown[] = [];
    for (const entry of entries) {
      const kept = entry.body.subarray(0, this.limits.transcriptBytesPerMessage);
      const row: Record<(typeof TRANSCRIPT_COLUMNS)[number], unknown> = {
        session_ref: entry.sessionRef,
        device_id: deviceId,
        direction: entry.direction,
        msg_id: entry.msgId,
        content_type: entry.contentType,
        body: toBase64(kept),
        size: entry.body.length,
        truncated: kept.length < entry.body.length ? 1 : 0,
        at: now,
      };
      for (const column of TRANSCRIPT_COLUMNS) values.push(row[column]);
    }
    await this.q.insertTranscripts(db, values);
  }

  async transcript(sessionRef: number): Promise<TranscriptEntry[]> {
    const rows = await this.db.selectFrom('transcripts').selectAll().where('session_ref', '=', sessionRef).orderBy('id').execute();
    return rows.map(toTranscript);
  }

  // ---------------------------------------------------------------- jobs

  async enqueueJob(init: JobInit, now: number): Promise<Job> {
    const spec = parseJobSpec(init.spec);
    const maxAttempts = init.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) throw new StoreInputError('maxAttempts', 'must be an integer from 1 to 100');
    if (init.expiresAt !== undefined && !Number.isSafeInteger(init.expiresAt)) throw new StoreInputError('expiresAt', 'must be a time in milliseconds');
    return this.db.transaction().execute(async (trx) => {
      await this.mustHaveDevice(trx, init.deviceId, 'deviceId');
      const { n } = await trx.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', init.deviceId).executeTakeFirstOrThrow();
      if (Number(n) >= this.limits.queuedJobsPerDevice) throw new StoreInputError('deviceId', `the device has ${this.limits.queuedJobsPerDevice} jobs waiting already`);
      const row = await trx
        .insertInto('jobs')
        .values({ device_id: init.deviceId, spec: JSON.stringify(spec), state: 'queued', attempts: 0, max_attempts: maxAttempts, created_at: now, expires_at: init.expiresAt ?? null, session_ref: null, sent_at: null, last_error: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toJob(row);
    });
  }

  async getJob(id: number): Promise<Job | undefined> {
    const queued = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (queued !== undefined) return toJob(queued);
    const done = await this.db.selectFrom('job_results').selectAll().where('id', '=', id).executeTakeFirst();
    return done && toResultJob(done);
  }

  async listJobs(deviceId: string, page: Page = {}): Promise<Job[]> {
    const limit = pageSize(page.limit);
    const waiting = page.before === undefined ? (await this.db.selectFrom('jobs').selectAll().where('device_id', '=', deviceId).orderBy('id').limit(limit).execute()).map(toJob) : [];
    let q = this.db.selectFrom('job_results').selectAll().where('device_id', '=', deviceId).orderBy('id', 'desc').limit(limit - waiting.length);
    if (page.before !== undefined) q = q.where('id', '<', page.before);
    const finished = waiting.length < limit ? (await q.execute()).map(toResultJob) : [];
    return [...waiting, ...finished];
  }

  async claimJobs(deviceId: string, sessionRef: number, now: number, limit: number): Promise<ClaimedJob[]> {
    // The expiry's transaction only when there is something to expire (most claims find
    // nothing): a job that expires after this look is not claimed either (the claim's own
    // WHERE leaves it), it is expired at the next claim or sweep.
    if ((await this.units.run((db) => this.q.anyExpired(db, deviceId, now), false)).rows.length > 0) await this.expireJobs(now, deviceId);
    const { rows } = await this.units.run((db) => this.q.claim(db, sessionRef, now, deviceId, now, Math.max(0, Math.min(limit, MAX_PAGE))), false);
    return rows.map(toJob).sort((a, b) => a.id - b.id) as ClaimedJob[];
  }

  async finishJob(id: number, sessionRef: number, outcome: JobOutcome, now: number): Promise<JobChangeResult> {
    if (!Number.isInteger(outcome.status) || outcome.status < 100 || outcome.status > 599) throw new StoreInputError('outcome.status', 'must be a status code (100–599)');
    const event: JobEvent = jobSucceeded(outcome.status) ? 'status-ok' : 'status-error';
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('jobs').where('id', '=', id).where('session_ref', '=', sessionRef).where('state', 'in', statesAccepting(event)).returningAll().executeTakeFirst();
      if (row === undefined) return this.refusal(trx, id);
      return { ok: true, job: await this.toResult(trx, row, event, now, { outcome }, true) };
    });
  }

  async unclaimJobs(ids: readonly number[], sessionRef: number): Promise<number> {
    if (ids.length === 0) return 0;
    const unclaim = this.db
      .updateTable('jobs')
      .set((eb) => ({ state: stateAfter('unclaim'), session_ref: null, sent_at: null, attempts: eb('attempts', '-', 1) }))
      .where('id', 'in', [...ids])
      .where('session_ref', '=', sessionRef)
      .where('state', 'in', statesAccepting('unclaim'))
      .returning('id');
    // Put back already: the process that saved the message first ended the session with
    // it, which sent these (claimed here, never sent) back to the queue as if sent. Queued
    // they stay; their attempt is not counted either.
    const requeued = this.db
      .updateTable('jobs')
      .set((eb) => ({ session_ref: null, sent_at: null, last_error: null, attempts: eb('attempts', '-', 1) }))
      .where('id', 'in', [...ids])
      .where('session_ref', '=', sessionRef)
      .where('state', '=', stateAfter('requeue'))
      .returning('id');
    return this.units.run(async (db) => (await db.executeQuery(unclaim.compile())).rows.length + (await db.executeQuery(requeued.compile())).rows.length, true);
  }

  async finishJobs(sessionRef: number, finishes: readonly JobFinish[], now: number): Promise<JobChangeResult[]> {
    if (finishes.length === 0) return [];
    const events = finishEvents(finishes);
    return this.units.run((db) => this.finishAll(db, sessionRef, finishes, events, now), true);
  }

  private async finishAll(db: Runner, sessionRef: number, finishes: readonly JobFinish[], events: readonly JobEvent[], now: number): Promise<JobChangeResult[]> {
    const answers: JobChangeResult[] = [];
    const devices = new Set<string>();
    // In batches, so that no statement outgrows a backend's limit on parameters.
    for (let from = 0; from < finishes.length; from += FINISH_BATCH) {
      answers.push(...(await this.finishBatch(db, sessionRef, finishes.slice(from, from + FINISH_BATCH), events.slice(from, from + FINISH_BATCH), now, devices)));
    }
    // Pruned once at the end: keeping the newest after each insert keeps the same rows.
    for (const deviceId of devices) await this.pruneResults(db, deviceId);
    return answers;
  }

  private async finishBatch(db: Runner, sessionRef: number, finishes: readonly JobFinish[], events: readonly JobEvent[], now: number, devices: Set<string>): Promise<JobChangeResult[]> {
    // The queue rows of the jobs sent in this session in a state their finish accepts, taken
    // with one statement per kind of finish (a job named twice is taken once). The ids go in
    // ascending order, so that two processes finishing the same jobs (the same message
    // delivered twice) lock them in one order and cannot deadlock.
    const taken = new Map<number, Selectable<JobTable>>();
    for (const event of new Set(events)) {
      const ids = [...new Set(finishes.filter((_, i) => events[i] === event).map((f) => f.id))].sort((a, b) => a - b);
      for (const row of (await this.q.takeSent[event](db, [sessionRef, ...ids])).rows) taken.set(row.id, row);
    }
    // Their results in one insert (the first finish of each job taken); every other finish
    // is refused: the job finished already, or was never sent in this session.
    const first = new Map<number, number>();
    const values: unknown[] = [];
    for (const [i, { id, outcome, lastError }] of finishes.entries()) {
      const row = taken.get(id);
      if (row === undefined || first.has(id)) continue;
      first.set(id, i);
      const result = resultValues(row, events[i]!, now, { outcome, ...(lastError !== undefined ? { lastError } : {}) });
      for (const column of RESULT_COLUMNS) values.push(result[column]);
    }
    const inserted = new Map<number, Selectable<JobResultTable>>();
    if (values.length > 0) for (const row of (await this.q.insertResults(db, values)).rows) inserted.set(row.id, row);
    const answers: JobChangeResult[] = [];
    for (const [i, { id }] of finishes.entries()) {
      const result = first.get(id) === i ? inserted.get(id) : undefined;
      answers.push(result !== undefined ? { ok: true, job: toResultJob(result) } : await this.refusal(db, id));
    }
    for (const row of taken.values()) devices.add(row.device_id);
    return answers;
  }

  async cancelJob(id: number, now: number): Promise<JobChangeResult> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('jobs').where('id', '=', id).where('state', 'in', statesAccepting('cancel')).returningAll().executeTakeFirst();
      if (row === undefined) return this.refusal(trx, id);
      return { ok: true, job: await this.toResult(trx, row, 'cancel', now, {}, true) };
    });
  }

  async expireJobs(now: number, deviceId?: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let q = trx.deleteFrom('jobs').where('state', 'in', statesAccepting('expire')).where('expires_at', 'is not', null).where('expires_at', '<=', now);
      if (deviceId !== undefined) q = q.where('device_id', '=', deviceId);
      const rows = await q.returningAll().execute();
      for (const row of rows) await this.toResult(trx, row, 'expire', now, {}, true);
      return rows.length;
    });
  }

  async jobCounts(): Promise<Record<JobState, number>> {
    const counts: Record<JobState, number> = { queued: 0, sent: 0, done: 0, failed: 0, expired: 0, cancelled: 0 };
    for (const table of ['jobs', 'job_results'] as const) {
      const rows = await this.db.selectFrom(table).select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
      for (const r of rows) counts[r.state as JobState] = Number(r.n);
    }
    return counts;
  }

  private async refusal(db: Runner, id: number): Promise<JobChangeResult> {
    const [queued] = (await db.executeQuery(this.db.selectFrom('jobs').selectAll().where('id', '=', id).compile())).rows;
    if (queued !== undefined) return { ok: false, reason: 'wrong-state', job: toJob(queued) };
    const [done] = (await db.executeQuery(this.db.selectFrom('job_results').selectAll().where('id', '=', id).compile())).rows;
    return done ? { ok: false, reason: 'wrong-state', job: toResultJob(done) } : { ok: false, reason: 'missing' };
  }

  /** Moves a queue row to the results (deleting it from the queue unless `deleted`), and
   * keeps only the newest results of the device. */
  private async toResult(db: Runner, row: Selectable<JobTable>, event: JobEvent, now: number, extra: { outcome?: JobOutcome; lastError?: string }, deleted = false, prune = true): Promise<Job> {
    if (!deleted) await db.executeQuery(this.db.deleteFrom('jobs').where('id', '=', row.id).compile());
    const result = resultValues(row, event, now, extra);
    const [inserted] = (await this.q.insertResults(db, RESULT_COLUMNS.map((c) => result[c]))).rows;
    if (inserted === undefined) throw new Error(`job ${row.id}: the insert into job_results returned no row`);
    if (prune) await this.pruneResults(db, row.device_id);
    return toResultJob(inserted);
  }

  // ---------------------------------------------------------------- alerts

  async recordAlert(alert: AlertInit, now: number): Promise<StoredAlert> {
    if (!Number.isInteger(alert.code)) throw new StoreInputError('code', 'must be an alert code');
    const items = JSON.stringify(alert.items);
    if (items.length > this.limits.transcriptBytesPerMessage) throw new StoreInputError('items', `larger than ${this.limits.transcriptBytesPerMessage} bytes of JSON`);
    return this.db.transaction().execute(async (trx) => {
      await this.mustHaveDevice(trx, alert.deviceId, 'deviceId');
      const row = await trx
        .insertInto('alerts')
        .values({ device_id: alert.deviceId, session_ref: alert.sessionRef ?? null, code: alert.code, correlator: alert.correlator ?? null, mark: alert.mark ?? null, items, received_at: now, handled_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      await pruneNewest(trx, 'alerts', alert.deviceId, this.limits.alertsPerDevice);
      return toAlert(row);
    });
  }

  async listAlerts(deviceId: string, page: Page = {}): Promise<StoredAlert[]> {
    let q = this.db.selectFrom('alerts').selectAll().where('device_id', '=', deviceId).orderBy('id', 'desc').limit(pageSize(page.limit));
    if (page.before !== undefined) q = q.where('id', '<', page.before);
    return (await q.execute()).map(toAlert);
  }

  async unhandledAlerts(limit: number): Promise<StoredAlert[]> {
    const rows = await this.db.selectFrom('alerts').selectAll().where('handled_at', 'is', null).orderBy('id').limit(pageSize(limit)).execute();
    return rows.map(toAlert);
  }

  async markAlertHandled(id: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('alerts').set({ handled_at: now }).where('id', '=', id).where('handled_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // ---------------------------------------------------------------- announced sessions

  async recordAnnouncedSession(init: AnnouncedSessionInit, now: number): Promise<AnnouncedSession> {
    if (!/^[0-9A-F]{1,4}$/.test(init.sessionId)) throw new StoreInputError('sessionId', 'must be 1-4 upper-case hex digits');
    if (![0, 1, 2, 3].includes(init.uiMode)) throw new StoreInputError('uiMode', 'must be 0-3');
    if (init.initiator !== 0 && init.initiator !== 1) throw new StoreInputError('initiator', 'must be 0 or 1');
    if (!Number.isSafeInteger(init.expiresAt)) throw new StoreInputError('expiresAt', 'must be a time in milliseconds');
    const set = { session_id: init.sessionId, ui_mode: init.uiMode, initiator: init.initiator, sent_at: now, expires_at: init.expiresAt };
    await this.db.transaction().execute(async (trx) => {
      await this.mustHaveDevice(trx, init.deviceId, 'deviceId');
      await trx
        .insertInto('announced_sessions')
        .values({ device_id: init.deviceId, ...set })
        .onConflict((oc) => oc.column('device_id').doUpdateSet(set))
        .execute();
    });
    return { ...init, sentAt: now };
  }

  async announcedSession(deviceId: string, now: number): Promise<AnnouncedSession | undefined> {
    const row = await this.db.selectFrom('announced_sessions').selectAll().where('device_id', '=', deviceId).where('expires_at', '>', now).executeTakeFirst();
    if (row === undefined) return undefined;
    return { deviceId: row.device_id, sessionId: row.session_id, uiMode: row.ui_mode, initiator: row.initiator, sentAt: Number(row.sent_at), expiresAt: Number(row.expires_at) };
  }

  // ---------------------------------------------------------------- failed authentications

  async authFailures(deviceId: string): Promise<AuthFailures | undefined> {
    const row = await this.db.selectFrom('auth_failures').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
    return row && toFailures(row);
  }

  async recordAuthFailure(deviceId: string, now: number, policy: AuthFailurePolicy): Promise<AuthFailures> {
    return this.db.transaction().execute(async (trx) => {
      await this.mustHaveDevice(trx, deviceId, 'deviceId');
      const row = await trx.selectFrom('auth_failures').selectAll().where('device_id', '=', deviceId).$call(lockFor(this.backend)).executeTakeFirst();
      const inWindow = row !== undefined && now - Number(row.window_start) < policy.windowMs;
      const count = inWindow ? row.count + 1 : 1;
      const windowStart = inWindow ? Number(row.window_start) : now;
      const stillLocked = row?.locked_until !== null && row?.locked_until !== undefined && Number(row.locked_until) > now ? Number(row.locked_until) : null;
      const lockedUntil = count >= policy.max ? Math.max(stillLocked ?? 0, now + policy.lockMs) : stillLocked;
      const values = { count, window_start: windowStart, locked_until: lockedUntil };
      await trx.insertInto('auth_failures').values({ device_id: deviceId, ...values }).onConflict((oc) => oc.column('device_id').doUpdateSet(values)).execute();
      return toFailures({ device_id: deviceId, ...values });
    });
  }

  async clearAuthFailures(deviceId: string): Promise<void> {
    await this.db.deleteFrom('auth_failures').where('device_id', '=', deviceId).execute();
  }

  async close(): Promise<void> {
    await this.onClose();
  }

  /** Keeps only the newest results of the device (pruneNewest, compiled once). */
  private async pruneResults(db: Runner, deviceId: string): Promise<void> {
    const [cutoff] = (await this.q.resultsCutoff(db, deviceId, this.limits.resultsPerDevice)).rows;
    if (cutoff !== undefined) await this.q.pruneResults(db, deviceId, cutoff.id);
  }

  private async mustHaveDevice(db: Runner, id: string, field = 'id'): Promise<void> {
    const [row] = (await this.q.deviceExists(db, id)).rows;
    if (row === undefined) throw new StoreInputError(field, `no device ${JSON.stringify(id)}`);
  }

  // ---------------------------------------------------------------- jobs settled by the caller

  async finishJobsAs(sessionRef: number, settles: readonly JobSettle[], now: number): Promise<JobChangeResult[]> {
    for (const { state } of settles) if (state !== 'done' && state !== 'failed') throw new StoreInputError('state', 'must be done or failed');
    return this.finishJobs(sessionRef, settles, now);
  }

  // ---------------------------------------------------------------- alert deliveries (alert-deliveries.ts)

  claimAlertDelivery(alertId: number, handler: string, owner: string, now: number, leaseMs: number): Promise<AlertDelivery | undefined> {
    return claimAlertDelivery(this.db, alertId, handler, owner, now, leaseMs);
  }

  settleAlertDelivery(alertId: number, handler: string, owner: string, state: AlertDeliveryState, failed: boolean, now: number): Promise<AlertDelivery | undefined> {
    return settleAlertDelivery(this.db, alertId, handler, owner, state, failed, now);
  }

  alertDeliveries(alertId: number): Promise<AlertDelivery[]> {
    return alertDeliveries(this.db, alertId);
  }
}

// ---------------------------------------------------------------- helpers

/** The session columns but the snapshot: what a save or an end reads back. */
const SESSION_META = ['ref', 'device_id', 'session_id', 'version', 'started_at', 'last_activity', 'expires_at', 'ended_at', 'outcome'] as const;


/** A device's nonces from their columns (each null when not set, or when the device has no row of them). */
function toNonces(row: { readonly nonce_to_use: string | null; readonly expected_nonce: string | null; readonly previous_expected_nonce: string | null }): DeviceNonces {
  return {
    ...(row.nonce_to_use !== null ? { nonceToUse: fromBase64(row.nonce_to_use) } : {}),
    ...(row.expected_nonce !== null ? { expectedNonce: fromBase64(row.expected_nonce) } : {}),
    ...(row.previous_expected_nonce !== null ? { previousExpectedNonce: fromBase64(row.previous_expected_nonce) } : {}),
  };
}

/** The columns of a transcripts row, in the order `insertTranscripts` takes them. */
const TRANSCRIPT_COLUMNS = ['session_ref', 'device_id', 'direction', 'msg_id', 'content_type', 'body', 'size', 'truncated', 'at'] as const;

/** Rows of `columns` from values (slots) given a row after another. */
function rowsOf<T>(values: readonly unknown[], columns: readonly string[]): T[] {
  const rows: T[] = [];
  for (let i = 0; i < values.length; i += columns.length) rows.push(Object.fromEntries(columns.map((c, k) => [c, values[i + k]])) as T);
  return rows;
}

/** The columns of a job_results row, in the order `insertResults` takes them. */
const RESULT_COLUMNS = ['id', 'device_id', 'spec', 'state', 'attempts', 'max_attempts', 'created_at', 'expires_at', 'session_ref', 'sent_at', 'last_error', 'finished_at', 'status_code', 'outcome'] as const;

/** The results row of a queue row that `event` ends (with the outcome or error it came with). */
function resultValues(row: Selectable<JobTable>, event: JobEvent, now: number, extra: { outcome?: JobOutcome; lastError?: string }): Record<(typeof RESULT_COLUMNS)[number], unknown> {
  return {
    id: row.id,
    device_id: row.device_id,
    spec: row.spec,
    state: stateAfter(event),
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    created_at: row.created_at,
    expires_at: row.expires_at,
    session_ref: row.session_ref,
    sent_at: row.sent_at,
    last_error: extra.lastError ?? row.last_error,
    finished_at: now,
    status_code: extra.outcome?.status ?? null,
    outcome: extra.outcome ? JSON.stringify(extra.outcome) : null,
  };
}

/** Each finish's event; StoreInputError for a status that is no status code. */
function finishEvents(finishes: readonly JobFinish[]): JobEvent[] {
  return finishes.map(({ outcome, state }): JobEvent => {
    if (!Number.isInteger(outcome.status) || outcome.status < 100 || outcome.status > 599) throw new StoreInputError('outcome.status', 'must be a status code (100–599)');
    if (state !== undefined && state !== 'done' && state !== 'failed') throw new StoreInputError('state', 'must be done or failed');
    return (state === undefined ? jobSucceeded(outcome.status) : state === 'done') ? 'status-ok' : 'status-error';
  });
}

function checkTranscript(entry: TranscriptInit): void {
  boundedId(entry.msgId, 'msgId');
  boundedId(entry.contentType, 'contentType');
}

/** The queries every DM message makes, built once per store (compiled.ts). */
function hotQueries(db: Kysely<Database>, backend: Backend, limits: StoreLimits) {
  // Arguments: the session, then the jobs' ids (at least one).
  const takeSent = (event: JobEvent) =>
    compileOncePerCount((slots) =>
      db
        .deleteFrom('jobs')
        .where('session_ref', '=', slots[0] as number)
        .where('id', 'in', slots.slice(1) as number[])
        .where('state', 'in', statesAccepting(event))
        .returningAll(),
    );
  return {
    anyExpired: compileOnce((deviceId: string, now: number) =>
      db.selectFrom('jobs').select('id').where('device_id', '=', deviceId).where('state', 'in', statesAccepting('expire')).where('expires_at', 'is not', null).where('expires_at', '<=', now).limit(1),
    ),
    claim: compileOnce((sessionRef: number, sentAt: number, deviceId: string, now: number, limit: number) => {
      const claimable = db
        .selectFrom('jobs')
        .select('id')
        .where('device_id', '=', deviceId)
        .where('state', 'in', statesAccepting('claim'))
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('id')
        .limit(limit);
      const locked = backend === 'postgres' ? claimable.forUpdate().skipLocked() : claimable;
      return (
        db
          .updateTable('jobs')
          .set((eb) => ({ state: stateAfter('claim'), session_ref: sessionRef, sent_at: sentAt, attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', locked)
          // Re-checked here: under read committed a row may have changed since the subquery read it.
          .where('state', 'in', statesAccepting('claim'))
          .returningAll()
      );
    }),
    endSession: compileOnce((now: number, outcome: SessionOutcome, ref: number) => db.updateTable('sessions').set({ ended_at: now, outcome }).where('ref', '=', ref).where('ended_at', 'is', null).returningAll()),
    sentIn: compileOnce((ref: number) => db.selectFrom('jobs').selectAll().where('session_ref', '=', ref).where('state', 'in', statesAccepting('requeue')).$call(lockFor(backend))),
    endedCutoff: compileOnce((deviceId: string, keep: number) =>
      db.selectFrom('sessions').select('ref').where('device_id', '=', deviceId).where('ended_at', 'is not', null).orderBy('ref', 'desc').offset(keep).limit(1),
    ),
    resultsCutoff: compileOnce((deviceId: string, keep: number) => db.selectFrom('job_results').select('id').where('device_id', '=', deviceId).orderBy('id', 'desc').offset(keep).limit(1)),
    pruneResults: compileOnce((deviceId: string, cutoff: number) => db.deleteFrom('job_results').where('device_id', '=', deviceId).where('id', '<=', cutoff)),
    device: compileOnce((id: string) => db.selectFrom('devices').selectAll().where('id', '=', id)),
    nonces: compileOnce((deviceId: string) => db.selectFrom('device_nonces').selectAll().where('device_id', '=', deviceId)),
    deviceWithNonces: compileOnce((id: string) =>
      db
        .selectFrom('devices')
        .leftJoin('device_nonces', 'device_nonces.device_id', 'devices.id')
        .selectAll('devices')
        .select(['device_nonces.nonce_to_use', 'device_nonces.expected_nonce', 'device_nonces.previous_expected_nonce'])
        .where('devices.id', '=', id),
    ),
    liveSession: compileOnce((deviceId: string) => db.selectFrom('sessions').selectAll().where('device_id', '=', deviceId).where('ended_at', 'is', null)),
    liveForUpdate: compileOnce((deviceId: string) => db.selectFrom('sessions').selectAll().where('device_id', '=', deviceId).where('ended_at', 'is', null).$call(lockFor(backend))),
    deviceExists: compileOnce((id: string) => db.selectFrom('devices').select('id').where('id', '=', id)),
    insertSession: compileOnce((deviceId: string, sessionId: string, snapshot: string, startedAt: number, lastActivity: number, expiresAt: number) =>
      db
        .insertInto('sessions')
        .values({ device_id: deviceId, session_id: sessionId, snapshot, version: 1, started_at: startedAt, last_activity: lastActivity, expires_at: expiresAt, ended_at: null, outcome: null })
        .returning(SESSION_META),
    ),
    saveSession: compileOnce((snapshot: string, nextVersion: number, now: number, expiresAt: number, ref: number, version: number) =>
      db.updateTable('sessions').set({ snapshot, version: nextVersion, last_activity: now, expires_at: expiresAt }).where('ref', '=', ref).where('version', '=', version).where('ended_at', 'is', null).returning(SESSION_META),
    ),
    endSavedSession: compileOnce((now: number, outcome: SessionOutcome, ref: number) =>
      db.updateTable('sessions').set({ ended_at: now, outcome }).where('ref', '=', ref).where('ended_at', 'is', null).returning(SESSION_META),
    ),
    /** Counts `added` messages for the session when it has at most `most` so far (room for them). */
    countMessages: compileOnce((added: number, ref: number, most: number) =>
      db
        .updateTable('sessions')
        .set((eb) => ({ messages: eb('messages', '+', added) }))
        .where('ref', '=', ref)
        .where('messages', '<=', most)
        .returning(['device_id']),
    ),
    /** Rows of transcripts, TRANSCRIPT_COLUMNS of each in turn. */
    insertTranscripts: compileOncePerCount((slots) => db.insertInto('transcripts').values(rowsOf<Insertable<TranscriptTable>>(slots, TRANSCRIPT_COLUMNS))),
    insertChunk: compileOnce((sessionRef: number, object: number, seq: number, data: string) => db.insertInto('received_chunks').values({ session_ref: sessionRef, object, seq, data })),
    dropOtherChunks: compileOnce((sessionRef: number, object: number) => db.deleteFrom('received_chunks').where('session_ref', '=', sessionRef).where('object', '<>', object)),
    dropChunks: compileOnce((sessionRef: number) => db.deleteFrom('received_chunks').where('session_ref', '=', sessionRef)),
    takeSent: { 'status-ok': takeSent('status-ok'), 'status-error': takeSent('status-error') } as Record<JobEvent, ReturnType<typeof takeSent>>,
    /** The rows of job_results, RESULT_COLUMNS of each in turn. */
    insertResults: compileOncePerCount((slots) => db.insertInto('job_results').values(rowsOf<Insertable<JobResultTable>>(slots, RESULT_COLUMNS)).returningAll()),
  };
}

/** FOR UPDATE on PostgreSQL; nothing on SQLite (one writer, no row locks). */
function lockFor<Q extends { forUpdate(): Q }>(backend: Backend): (q: Q) => Q {
  return (q) => (backend === 'postgres' ? q.forUpdate() : q);
}

async function pruneNewest(trx: Db, table: 'job_results' | 'alerts', deviceId: string, keep: number): Promise<void> {
  const cutoff = await trx.selectFrom(table).select('id').where('device_id', '=', deviceId).orderBy('id', 'desc').offset(keep).limit(1).executeTakeFirst();
  if (cutoff !== undefined) await trx.deleteFrom(table).where('device_id', '=', deviceId).where('id', '<=', cutoff.id).execute();
}

function pageSize(limit: number | undefined): number {
  return Math.max(1, Math.min(limit ?? 100, MAX_PAGE));
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

