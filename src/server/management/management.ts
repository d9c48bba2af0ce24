/**
 * The management operations over a Store: devices, jobs, alerts and sessions, as the REST
 * API, the CLI and any TypeScript caller use them. Every input is checked here (the
 * schemas of ./schemas.ts, then the store's own rules), whoever calls: a refusal is a
 * StoreInputError naming the field, a missing row a StoreNotFoundError, a clash with the
 * present state a ManagementConflictError. What comes out is a view (./views.ts): no
 * secret, no session snapshot.
 */
import { Secret } from '../store/secret.js';
import { StoreInputError, StoreNotFoundError, isStoreInputError } from '../store/errors.js';
import { parseJobSpec } from '../store/job-spec.js';
import type { Page, Store } from '../store/store.js';
import type { CredentialsSpec, DeviceInit } from '../store/types.js';
import { check } from './json-schema.js';
import { ManagementConflictError } from './errors.js';
import {
  PAGE_DEFAULT,
  SCHEMAS,
  devicePage,
  deviceInput,
  ID_MAX,
  jobInput,
  rowPage,
  type AlertView,
  type DeviceInput,
  type DevicePage,
  type DeviceView,
  type JobInput,
  type JobView,
  type RowPage,
  type SessionDetail,
  type SessionView,
} from './schemas.js';
import { alertView, deviceView, jobView, messageView, sessionView } from './views.js';

/** A page of a list; `next`, when present, is the cursor of the following page. */
export interface PageOf<T, N> {
  readonly items: T[];
  readonly next?: N;
}

/** A device with what happened to it lately: for `omadm device show`. */
export interface DeviceOverview {
  readonly device: DeviceView;
  readonly sessions: SessionView[];
  readonly jobs: JobView[];
  readonly alerts: AlertView[];
}

export interface ManagementOptions {
  /** The clock, in milliseconds since the epoch. Default Date.now. */
  readonly now?: () => number;
}

export class Management {
  readonly #now: () => number;

  constructor(
    readonly store: Store,
    options: ManagementOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  // ---------------------------------------------------------------- devices

  async listDevices(page: DevicePage = {}): Promise<PageOf<DeviceView, string>> {
    const p = check(devicePage, page, '', SCHEMAS);
    const limit = p.limit ?? PAGE_DEFAULT;
    const rows = await this.store.listDevices({ limit, ...(p.after !== undefined ? { after: p.after } : {}) });
    return pageOfRows(rows, limit, deviceView, (d) => d.id);
  }

  /**
   * Adds a device. The server's scheme defaults to the client's; its name to the server
   * id. A scheme other than none needs a name (client) and a secret (both sides).
   */
  async addDevice(input: DeviceInput): Promise<DeviceView> {
    const init = deviceInit(check(deviceInput, input, '', SCHEMAS));
    try {
      return deviceView(await this.store.addDevice(init, this.#now()));
    } catch (e) {
      // The input was checked: the store only refuses its id when it is taken.
      if (isStoreInputError(e) && e.field === 'id') throw new ManagementConflictError('id', `device ${JSON.stringify(init.id)} exists`);
      throw e;
    }
  }

  async getDevice(id: string): Promise<DeviceView> {
    return deviceView(await this.#device(id));
  }

  async deleteDevice(id: string): Promise<void> {
    deviceId(id);
    if (!(await this.store.deleteDevice(id))) throw new StoreNotFoundError('device', id);
  }

  /** The device with its latest sessions, jobs and alerts (`limit` of each). */
  async deviceOverview(id: string, limit = 10): Promise<DeviceOverview> {
    const device = await this.getDevice(id);
    const page = { limit };
    const [sessions, jobs, alerts] = await Promise.all([this.listSessions(id, page), this.listJobs(id, page), this.listAlerts(id, page)]);
    return { device, sessions: sessions.items, jobs: jobs.items, alerts: alerts.items };
  }

  // ---------------------------------------------------------------- jobs

  async enqueueJob(deviceIdText: string, input: JobInput): Promise<JobView> {
    await this.#device(deviceIdText);
    const j = check(jobInput, input, '', SCHEMAS);
    const spec = parseJobSpec(j.spec, 'spec');
    try {
      const job = await this.store.enqueueJob(
        { deviceId: deviceIdText, spec, ...(j.expiresAt !== undefined ? { expiresAt: j.expiresAt } : {}), ...(j.maxAttempts !== undefined ? { maxAttempts: j.maxAttempts } : {}) },
        this.#now(),
      );
      return jobView(job);
    } catch (e) {
      // The device exists: the store refuses it only when its queue is full.
      if (isStoreInputError(e) && e.field === 'deviceId') throw new ManagementConflictError('deviceId', e.reason);
      throw e;
    }
  }

  /** The device's jobs still to do (oldest first), then its results (newest first). */
  async listJobs(id: string, page: RowPage = {}): Promise<PageOf<JobView, number>> {
    const { rows, limit } = await this.#deviceRows(id, page, (q) => this.store.listJobs(id, q));
    const last = rows.at(-1);
    // The next page holds older results; when this one is all waiting jobs, all results.
    const next = rows.length < limit || last === undefined ? undefined : last.state === 'queued' || last.state === 'sent' ? Number.MAX_SAFE_INTEGER : last.id;
    return { items: rows.map(jobView), ...(next !== undefined ? { next } : {}) };
  }

  async getJob(id: number): Promise<JobView> {
    const job = await this.store.getJob(rowId(id, 'jobId'));
    if (job === undefined) throw new StoreNotFoundError('job', String(id));
    return jobView(job);
  }

  /** Withdraws a queued job; one already sent, or finished, is a ManagementConflictError. */
  async cancelJob(id: number): Promise<JobView> {
    const r = await this.store.cancelJob(rowId(id, 'jobId'), this.#now());
    if (r.ok) return jobView(r.job);
    if (r.reason === 'missing' || r.job === undefined) throw new StoreNotFoundError('job', String(id));
    throw new ManagementConflictError('jobId', `job ${id} is ${r.job.state}: only a queued job can be cancelled`);
  }

  // ---------------------------------------------------------------- alerts and sessions

  async listAlerts(id: string, page: RowPage = {}): Promise<PageOf<AlertView, number>> {
    const { rows, limit } = await this.#deviceRows(id, page, (q) => this.store.listAlerts(id, q));
    return pageOfRows(rows, limit, alertView, (a) => a.id);
  }

  async listSessions(id: string, page: RowPage = {}): Promise<PageOf<SessionView, number>> {
    const { rows, limit } = await this.#deviceRows(id, page, (q) => this.store.listSessions(id, q));
    return pageOfRows(rows, limit, sessionView, (s) => s.ref);
  }

  /** A session with its recorded messages (credentials redacted). */
  async getSession(ref: number): Promise<SessionDetail> {
    const row = await this.store.getSession(rowId(ref, 'sessionRef'));
    if (row === undefined) throw new StoreNotFoundError('session', String(ref));
    const messages = await this.store.transcript(row.ref);
    return { ...sessionView(row), messages: messages.map(messageView) };
  }

  async #device(id: string) {
    const device = await this.store.getDevice(deviceId(id));
    if (device === undefined) throw new StoreNotFoundError('device', id);
    return device;
  }

  /** One page of the device's rows of a kind (`list` asks the store): the device must exist, the page is checked, its limit defaulted. */
  async #deviceRows<R>(id: string, page: RowPage, list: (page: Page) => Promise<R[]>): Promise<{ rows: R[]; limit: number }> {
    await this.#device(id);
    const p = check(rowPage, page, '', SCHEMAS);
    const limit = p.limit ?? PAGE_DEFAULT;
    return { rows: await list({ limit, ...(p.before !== undefined ? { before: p.before } : {}) }), limit };
  }
}

/** The page of `rows` (asked for at most `limit`): when it is full, `next` is the cursor of its last row. */
function pageOfRows<R, T, N>(rows: readonly R[], limit: number, view: (row: R) => T, cursor: (row: R) => N): PageOf<T, N> {
  return { items: rows.map(view), ...(rows.length === limit ? { next: cursor(rows.at(-1)!) } : {}) };
}

function deviceId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new StoreInputError('deviceId', 'must be a non-empty string');
  if (id.length > ID_MAX) throw new StoreInputError('deviceId', `longer than ${ID_MAX} characters`);
  return id;
}

function rowId(id: unknown, field: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new StoreInputError(field, 'must be a positive integer');
  return id;
}

/** The store's DeviceInit from a checked input: defaults filled in, pairs required. */
function deviceInit(d: DeviceInput): DeviceInit {
  const client = credentials(d.client.scheme, d.client.name, d.client.secret, 'client');
  const scheme = d.server?.scheme ?? d.client.scheme;
  const server = credentials(scheme, d.server?.name ?? (scheme === 'none' ? undefined : d.serverId), d.server?.secret, 'server');
  return { id: d.id, serverId: d.serverId, client, server, acceptedClientSchemes: d.acceptedClientSchemes ?? [] };
}

function credentials(scheme: DeviceInput['client']['scheme'], name: string | undefined, secret: string | undefined, field: string): CredentialsSpec {
  if (scheme === 'none') {
    if (name !== undefined) throw new StoreInputError(`${field}.name`, 'is not used with the scheme none');
    if (secret !== undefined) throw new StoreInputError(`${field}.secret`, 'is not used with the scheme none');
    return { scheme };
  }
  if (name === undefined) throw new StoreInputError(`${field}.name`, `is required for ${scheme}`);
  if (secret === undefined) throw new StoreInputError(`${field}.secret`, `is required for ${scheme}`);
  return { scheme, name, secret: new Secret(secret) };
}
