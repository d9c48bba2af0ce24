/**
 * What the store keeps, as the rest of the server sees it. Times are milliseconds since
 * the epoch and always come in as arguments (`now`): the store never reads a clock.
 * Secrets are `Secret`s, so a device or any value holding one prints without them.
 */
import type { AuthType } from '../../../generated/codes.js';
import { AuthType as AuthTypes } from '../../../generated/codes.js';
import type { Secret } from './secret.js';
import type { JobSpec } from './job-spec.js';

/** A JSON value: what a session snapshot is to the store (opaque, saved and given back). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** How one side proves itself to the other. `none`: no SyncML credentials at all. */
export type AuthName = 'none' | 'basic' | 'md5' | 'hmac';

export const AUTH_NAMES: readonly AuthName[] = ['none', 'basic', 'md5', 'hmac'];

/** The Meta Type of each scheme (none has none). */
export const AUTH_TYPE_OF: Readonly<Record<AuthName, AuthType | undefined>> = {
  none: undefined,
  basic: AuthTypes.Basic,
  md5: AuthTypes.Md5Digest,
  hmac: AuthTypes.Hmac,
};

export function isAuthName(value: unknown): value is AuthName {
  return typeof value === 'string' && (AUTH_NAMES as readonly string[]).includes(value);
}

/** One direction's credentials: the scheme, and for every scheme but none a name and secret. */
export type CredentialsSpec =
  | { readonly scheme: 'none' }
  | { readonly scheme: Exclude<AuthName, 'none'>; readonly name: string; readonly secret: Secret };

export interface DeviceInit {
  /** The device's identity: the LocURI of its Source (e.g. `IMEI:493005100592800`). */
  readonly id: string;
  /** The server id the device knows us by (DMAcc ServerID): our Source LocURI towards it. */
  readonly serverId: string;
  /** How the device proves itself to us (its AAuthName/AAuthSecret, AAuthLevel CLCRED). */
  readonly client: CredentialsSpec;
  /** How we prove ourselves to the device (AAuthLevel SRVCRED). */
  readonly server: CredentialsSpec;
  /** Schemes the device may use instead of `client.scheme`, in order of preference
   * (AAuthPref); the same name and secret serve each. Empty: only `client.scheme`. */
  readonly acceptedClientSchemes?: readonly AuthName[];
}

export interface Device extends DeviceInit {
  readonly acceptedClientSchemes: readonly AuthName[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The nonces of a device's digest authentication (see src/session/auth/store.ts). */
export interface DeviceNonces {
  /** The device issued it: our next digest towards the device uses it. */
  readonly nonceToUse?: Uint8Array;
  /** We issued it: the device's next digest must use it. */
  readonly expectedNonce?: Uint8Array;
  /** The one we issued before: a digest over it means our last Chal was lost. */
  readonly previousExpectedNonce?: Uint8Array;
}

/** How a session ended. `replaced`: it had expired when a new one began. */
export type SessionOutcome = 'completed' | 'aborted' | 'expired' | 'failed';

export interface SessionRow {
  /** The store's key for the session (unique over all devices and time). */
  readonly ref: number;
  readonly deviceId: string;
  /** The SessionID of the SyncHdr, as the device wrote it. */
  readonly sessionId: string;
  readonly snapshot: JsonValue;
  /** Bumped by every save: a save names the version it read, so two processes cannot
   * both continue the same session. */
  readonly version: number;
  readonly startedAt: number;
  readonly lastActivity: number;
  readonly expiresAt: number;
  readonly endedAt?: number;
  readonly outcome?: SessionOutcome;
}

export type BeginSessionResult =
  | { readonly ok: true; readonly session: SessionRow; readonly expired: readonly SessionRow[] }
  /** Another session of the device is live (not ended, not expired): refused. */
  | { readonly ok: false; readonly reason: 'busy'; readonly live: SessionRow };

export type SaveSessionResult =
  | {
      readonly ok: true;
      /** The row as saved; its snapshot is the value given (not read back). */
      readonly session: SessionRow;
      /** With `SessionChanges`: one answer per finish, per transcript entry, and the ended row. */
      readonly finished?: readonly JobChangeResult[];
      readonly recorded?: readonly boolean[];
      readonly ended?: SessionRow;
    }
  /** conflict: saved since the version read (even if that save ended it); ended: ended over that version. */
  | { readonly ok: false; readonly reason: 'conflict' | 'ended' | 'missing'; readonly session?: SessionRow };

/**
 * What serving a message changed besides the snapshot, saved with it in one transaction
 * (`Store.saveSession`): all of it or, when the save is refused, none of it.
 */
export interface SessionChanges {
  /** Jobs whose Status arrived, as `finishJobs`. */
  readonly finishes?: readonly JobFinish[];
  /** The message read and the answer, as `recordMessages`. */
  readonly transcript?: readonly TranscriptInit[];
  /** The session ends with this message, as `endSession`. */
  readonly end?: SessionOutcome;
  /** More data of the large object the device is sending, kept beside the snapshot
   * (`Store.receivedChunks`); the chunks kept for the session's other objects go. */
  readonly received?: ReceivedChunk;
  /** No object is being received any more: the session's chunks go. */
  readonly receivedDone?: true;
}

/**
 * A piece of a large object being received, in the order it came (`seq` from 0 within
 * the object): the `object`-th the session began receiving. The store keeps the pieces
 * as rows rather than the whole object in every snapshot; they go when the session ends.
 */
export interface ReceivedChunk {
  readonly object: number;
  readonly seq: number;
  readonly data: string;
}

/** A job's state. queued and sent live in the queue; the rest are results. */
export type JobState = 'queued' | 'sent' | 'done' | 'failed' | 'expired' | 'cancelled';

export const LIVE_JOB_STATES: readonly JobState[] = ['queued', 'sent'];

/** One Item of a Results (or of a Status) the device sent back for a job. */
export interface ResultItem {
  readonly source?: string;
  readonly target?: string;
  readonly format?: string;
  readonly type?: string;
  readonly data?: string;
}

/** What came back for a job: its Status and what travelled with it. */
export interface JobOutcome {
  /** The Status code of the job's command (for Atomic and Sequence: of the container). */
  readonly status: number;
  /** The Results of a Get (or the Items of a Status). */
  readonly results?: readonly ResultItem[];
  /** A UI alert's answer: the text typed (1102) or the choices picked (1103, 1104). */
  readonly answer?: readonly string[];
  /** The Status codes of the commands inside an Atomic or Sequence, in order. */
  readonly inner?: readonly number[];
}

export interface JobInit {
  readonly deviceId: string;
  readonly spec: JobSpec;
  /** Not sent after this time: it becomes expired. */
  readonly expiresAt?: number;
  /** Sent at most this many times (a session that dies after sending costs one). */
  readonly maxAttempts?: number;
}

export interface Job {
  readonly id: number;
  readonly deviceId: string;
  readonly spec: JobSpec;
  readonly state: JobState;
  /** How many times it was sent. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: number;
  readonly expiresAt?: number;
  /** The session it was last sent in. */
  readonly sessionRef?: number;
  readonly sentAt?: number;
  /** Why the last attempt did not finish it (e.g. the session ended before its Status). */
  readonly lastError?: string;
  readonly finishedAt?: number;
  readonly outcome?: JobOutcome;
}

/** A job claimed for a session: the caller puts it in the session's package. */
export type ClaimedJob = Job & { readonly state: 'sent'; readonly sessionRef: number; readonly sentAt: number };

/**
 * One job of `Store.finishJobs`: done or failed by its status code, unless the caller
 * gives the state (what the answer means is the job's: a confirm answered "No" is done).
 */
export interface JobFinish {
  readonly id: number;
  readonly outcome: JobOutcome;
  readonly state?: 'done' | 'failed';
  /** Why it failed, kept beside the outcome. */
  readonly lastError?: string;
}

/** A job finished with the state its caller gives (finishJobsAs). */
export interface JobSettle extends JobFinish {
  readonly state: 'done' | 'failed';
}

export type JobChangeResult =
  | { readonly ok: true; readonly job: Job }
  | { readonly ok: false; readonly reason: 'missing' | 'wrong-state'; readonly job?: Job };

/** An alert a device sent: Generic Alert (1226) or a tree alert (1227, 1228). */
export interface AlertInit {
  readonly deviceId: string;
  readonly sessionRef?: number;
  readonly code: number;
  readonly correlator?: string;
  readonly items: readonly ResultItem[];
  /** Mark of the Generic Alert (its severity: fatal, critical, minor, …), when given. */
  readonly mark?: string;
}

export interface StoredAlert extends AlertInit {
  readonly id: number;
  readonly receivedAt: number;
  readonly handledAt?: number;
}

export type Direction = 'in' | 'out';

export interface TranscriptInit {
  readonly sessionRef: number;
  readonly direction: Direction;
  readonly msgId: string;
  readonly contentType: string;
  readonly body: Uint8Array;
}

export interface TranscriptEntry extends Omit<TranscriptInit, 'body'> {
  readonly id: number;
  readonly deviceId: string;
  readonly at: number;
  /** The whole message's size; `body` holds at most the store's per-message bound. */
  readonly size: number;
  readonly body: Uint8Array;
  readonly truncated: boolean;
}

/** A session a Package#0 announced to a device (the server then expects Alert 1200 with it). */
export interface AnnouncedSessionInit {
  readonly deviceId: string;
  /** The SessionID as the device's Package#1 carries it (1-4 upper-case hex digits). */
  readonly sessionId: string;
  /** The trigger's ui-mode (0-3) and initiator (0 client, 1 server). */
  readonly uiMode: number;
  readonly initiator: number;
  /** After this the announcement is no longer expected. */
  readonly expiresAt: number;
}

export interface AnnouncedSession extends AnnouncedSessionInit {
  readonly sentAt: number;
}

/** Failed authentications of a device within the current window. */
export interface AuthFailures {
  readonly count: number;
  readonly windowStart: number;
  readonly lockedUntil?: number;
}

/** The bounds that keep the store small. */
export interface StoreLimits {
  /** Transcript messages kept per session (the first ones; later ones are counted, not kept). */
  readonly transcriptMessagesPerSession: number;
  /** Bytes of each message kept in a transcript. */
  readonly transcriptBytesPerMessage: number;
  /** Ended sessions kept per device, with their transcripts. */
  readonly endedSessionsPerDevice: number;
  /** Alerts kept per device (the oldest go first). */
  readonly alertsPerDevice: number;
  /** Job results kept per device (the oldest go first). */
  readonly resultsPerDevice: number;
  /** Jobs waiting (queued or sent) per device: enqueuing more is refused. */
  readonly queuedJobsPerDevice: number;
  /** Size of a session snapshot in bytes of JSON. */
  readonly snapshotBytes: number;
}

export const DEFAULT_LIMITS: StoreLimits = {
  transcriptMessagesPerSession: 64,
  transcriptBytesPerMessage: 64 * 1024,
  endedSessionsPerDevice: 20,
  alertsPerDevice: 1000,
  resultsPerDevice: 1000,
  queuedJobsPerDevice: 1000,
  snapshotBytes: 16 * 1024 * 1024,
};

/** Where one alert stands with one handler (alerts/dispatch.ts). */
export type AlertDeliveryState = 'pending' | 'delivered' | 'given-up';

export interface AlertDelivery {
  readonly alertId: number;
  readonly handler: string;
  readonly state: AlertDeliveryState;
  /** Deliveries that failed so far. */
  readonly failures: number;
  /** The process delivering it now (its claim holds until `claimedUntil`). */
  readonly claimedBy?: string;
  readonly claimedUntil: number;
  readonly updatedAt: number;
}
