/**
 * Rows to values and back: what each table's columns mean to the rest of the server.
 * Secrets become Secret on the way out; times and ids become numbers whatever type the
 * driver gave them.
 */
import type { Selectable } from 'kysely';
import type { AlertTable, Database, JobResultTable, JobTable, SessionTable, TranscriptTable } from './schema.js';
import { isAuthName, type AuthFailures, type AuthName, type CredentialsSpec, type Device, type DeviceInit, type Job, type JobOutcome, type JobState, type JsonValue, type SessionOutcome, type SessionRow, type StoredAlert, type TranscriptEntry } from './types.js';
import type { JobSpec } from './job-spec.js';
import { Secret } from './secret.js';
import { StoreInputError } from './errors.js';

const ID_LIMIT = 512;

/** A non-empty id or name of bounded length, or StoreInputError on `field`. */
export function boundedId(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw new StoreInputError(field, 'must be a non-empty string');
  if (value.length > ID_LIMIT) throw new StoreInputError(field, `longer than ${ID_LIMIT} characters`);
  return value;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function credentialColumns(c: CredentialsSpec, field: string): { scheme: string; name: string | null; secret: string | null } {
  if (!isAuthName(c?.scheme)) throw new StoreInputError(`${field}.scheme`, 'must be none, basic, md5 or hmac');
  if (c.scheme === 'none') return { scheme: 'none', name: null, secret: null };
  boundedId(c.name, `${field}.name`);
  if (!(c.secret instanceof Secret)) throw new StoreInputError(`${field}.secret`, 'must be a Secret');
  if (c.secret.reveal() === '') throw new StoreInputError(`${field}.secret`, 'must not be empty');
  return { scheme: c.scheme, name: c.name, secret: c.secret.reveal() };
}

export function deviceRow(init: DeviceInit, createdAt: number, updatedAt: number): Selectable<Database['devices']> {
  boundedId(init.id, 'id');
  boundedId(init.serverId, 'serverId');
  const client = credentialColumns(init.client, 'client');
  const server = credentialColumns(init.server, 'server');
  const accepted = init.acceptedClientSchemes ?? [];
  accepted.forEach((s, i) => {
    if (!isAuthName(s)) throw new StoreInputError(`acceptedClientSchemes[${i}]`, 'must be none, basic, md5 or hmac');
  });
  return {
    id: init.id,
    server_id: init.serverId,
    client_scheme: client.scheme,
    client_name: client.name,
    client_secret: client.secret,
    server_scheme: server.scheme,
    server_name: server.name,
    server_secret: server.secret,
    accepted_schemes: accepted.join(','),
    created_at: createdAt,
    updated_at: updatedAt,
  };
}

function credentials(scheme: string, name: string | null, secret: string | null): CredentialsSpec {
  if (scheme === 'none' || !isAuthName(scheme) || name === null || secret === null) return { scheme: 'none' };
  return { scheme, name, secret: new Secret(secret) };
}

export function toDevice(row: Selectable<Database['devices']>): Device {
  return {
    id: row.id,
    serverId: row.server_id,
    client: credentials(row.client_scheme, row.client_name, row.client_secret),
    server: credentials(row.server_scheme, row.server_name, row.server_secret),
    acceptedClientSchemes: row.accepted_schemes === '' ? [] : (row.accepted_schemes.split(',').filter(isAuthName) as AuthName[]),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toSession(row: Selectable<SessionTable>): SessionRow {
  return toSessionWith(row, JSON.parse(row.snapshot) as JsonValue);
}

/** A session row whose snapshot the caller holds already (the one just saved): the other columns only. */
export function toSessionWith(row: Omit<Selectable<SessionTable>, 'snapshot' | 'messages'>, snapshot: JsonValue): SessionRow {
  return {
    ref: Number(row.ref),
    deviceId: row.device_id,
    sessionId: row.session_id,
    snapshot,
    version: Number(row.version),
    startedAt: Number(row.started_at),
    lastActivity: Number(row.last_activity),
    expiresAt: Number(row.expires_at),
    ...(row.ended_at !== null ? { endedAt: Number(row.ended_at) } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome as SessionOutcome } : {}),
  };
}

export function toJob(row: Selectable<JobTable>): Job {
  return {
    id: Number(row.id),
    deviceId: row.device_id,
    spec: JSON.parse(row.spec) as JobSpec,
    state: row.state as JobState,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    createdAt: Number(row.created_at),
    ...(row.expires_at !== null ? { expiresAt: Number(row.expires_at) } : {}),
    ...(row.session_ref !== null ? { sessionRef: Number(row.session_ref) } : {}),
    ...(row.sent_at !== null ? { sentAt: Number(row.sent_at) } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  };
}

export function toResultJob(row: Selectable<JobResultTable>): Job {
  return {
    ...toJob({ ...row, id: row.id }),
    finishedAt: Number(row.finished_at),
    ...(row.outcome !== null ? { outcome: JSON.parse(row.outcome) as JobOutcome } : {}),
  };
}

export function toAlert(row: Selectable<AlertTable>): StoredAlert {
  return {
    id: Number(row.id),
    deviceId: row.device_id,
    ...(row.session_ref !== null ? { sessionRef: Number(row.session_ref) } : {}),
    code: Number(row.code),
    ...(row.correlator !== null ? { correlator: row.correlator } : {}),
    ...(row.mark !== null ? { mark: row.mark } : {}),
    items: JSON.parse(row.items) as StoredAlert['items'],
    receivedAt: Number(row.received_at),
    ...(row.handled_at !== null ? { handledAt: Number(row.handled_at) } : {}),
  };
}

export function toTranscript(row: Selectable<TranscriptTable>): TranscriptEntry {
  return {
    id: Number(row.id),
    sessionRef: Number(row.session_ref),
    deviceId: row.device_id,
    direction: row.direction as TranscriptEntry['direction'],
    msgId: row.msg_id,
    contentType: row.content_type,
    body: fromBase64(row.body),
    size: Number(row.size),
    truncated: row.truncated !== 0,
    at: Number(row.at),
  };
}

export function toFailures(row: Selectable<Database['auth_failures']>): AuthFailures {
  return { count: Number(row.count), windowStart: Number(row.window_start), ...(row.locked_until !== null ? { lockedUntil: Number(row.locked_until) } : {}) };
}
