/**
 * The tables, as Kysely sees them. Times are bigint milliseconds; JSON (snapshots, job
 * specs, outcomes, alert items) is text, and so are nonces and transcript bodies (base64),
 * so both backends store the same values the same way.
 */
import type { ColumnType, Generated } from 'kysely';

type Id = Generated<number>;

export interface DeviceTable {
  id: string;
  server_id: string;
  client_scheme: string;
  client_name: string | null;
  client_secret: string | null;
  server_scheme: string;
  server_name: string | null;
  server_secret: string | null;
  /** Comma-separated AuthNames. */
  accepted_schemes: string;
  created_at: number;
  updated_at: number;
}

export interface NonceTable {
  device_id: string;
  nonce_to_use: string | null;
  expected_nonce: string | null;
  previous_expected_nonce: string | null;
  updated_at: number;
}

export interface SessionTable {
  ref: Id;
  device_id: string;
  session_id: string;
  snapshot: string;
  version: number;
  started_at: number;
  last_activity: number;
  expires_at: number;
  ended_at: number | null;
  outcome: string | null;
  /** Messages recorded in the transcript (the bound counts these). */
  messages: ColumnType<number, number | undefined, number>;
}

export interface TranscriptTable {
  id: Id;
  session_ref: number;
  device_id: string;
  direction: string;
  msg_id: string;
  content_type: string;
  body: string;
  size: number;
  truncated: number;
  at: number;
}

/** Pieces of the large object a session is receiving (types.ts ReceivedChunk); `data` is
 * the piece as a JSON string, so any text (NUL included) fits a text column. */
export interface ReceivedChunkTable {
  session_ref: number;
  object: number;
  seq: number;
  data: string;
}

/** The queue: queued and sent jobs only. */
export interface JobTable {
  id: Id;
  device_id: string;
  spec: string;
  state: string;
  attempts: number;
  max_attempts: number;
  created_at: number;
  expires_at: number | null;
  session_ref: number | null;
  sent_at: number | null;
  last_error: string | null;
}

/** Jobs that finished (done, failed, expired, cancelled), under their job id. */
export interface JobResultTable extends Omit<JobTable, 'id'> {
  /** The id the job had in the queue (not generated here). */
  id: number;
  finished_at: number;
  status_code: number | null;
  outcome: string | null;
}

export interface AlertTable {
  id: Id;
  device_id: string;
  session_ref: number | null;
  code: number;
  correlator: string | null;
  mark: string | null;
  items: string;
  received_at: number;
  handled_at: number | null;
}

export interface AuthFailureTable {
  device_id: string;
  count: number;
  window_start: number;
  locked_until: number | null;
}

export interface AnnouncedSessionTable {
  device_id: string;
  session_id: string;
  ui_mode: number;
  initiator: number;
  sent_at: number;
  expires_at: number;
}

export interface AlertDeliveryTable {
  alert_id: number;
  handler: string;
  state: string;
  failures: number;
  claimed_by: string | null;
  claimed_until: number;
  updated_at: number;
}

export interface Database {
  devices: DeviceTable;
  device_nonces: NonceTable;
  sessions: SessionTable;
  transcripts: TranscriptTable;
  jobs: JobTable;
  job_results: JobResultTable;
  alerts: AlertTable;
  auth_failures: AuthFailureTable;
  announced_sessions: AnnouncedSessionTable;
  alert_deliveries: AlertDeliveryTable;
  received_chunks: ReceivedChunkTable;
}
