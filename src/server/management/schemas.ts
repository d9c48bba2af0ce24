/**
 * The shapes the management operations take and give, as JSON Schema (./json-schema.ts):
 * the TypeScript API checks its inputs with these, the REST API validates requests with
 * the very same objects, and its OpenAPI document prints them. The JobSpec schema is the
 * structure of src/server/store/job-spec.ts; parseJobSpec then adds what JSON Schema
 * does not say (which UI options suit which alert, nesting depth, a sequence in a
 * sequence), so every spec this schema refuses parseJobSpec refuses too.
 */
import { AlertCode, Format, UiOption, isUiAlert } from '../../../generated/codes.js';
import { JOB_LIMITS } from '../store/job-spec.js';
import { AUTH_NAMES, type AuthName } from '../store/types.js';
import type { JobSpec } from '../store/job-spec.js';
import { array, boolean, integer, literal, object, oneOfValues, opt, ref, string, tagged, textOrInteger, type Infer, type Schema, type SchemaRegistry } from './json-schema.js';

/** Longest id or name (device id, server id, credential name), as the store bounds it. */
export const ID_MAX = 512;
/** Longest secret taken. */
export const SECRET_MAX = 1024;
/** Most rows in one page of a list. */
export const PAGE_MAX = 500;
export const PAGE_DEFAULT = 50;

const id = (description: string): Schema<string> => string({ minLength: 1, maxLength: ID_MAX, description });
const time = (description: string): Schema<number> => integer({ minimum: 0, description: `${description} (milliseconds since 1970-01-01 UTC)` });

export const authScheme = oneOfValues(AUTH_NAMES as readonly AuthName[], { description: 'none: no SyncML credentials; basic, md5 (digest with nonces) or hmac (x-syncml-hmac header)' });

// ------------------------------------------------------------------ job specs

const uri = string({ minLength: 1, maxLength: JOB_LIMITS.uri, description: 'A node of the device management tree, e.g. ./DevInfo/Mod' });
const text = string({ maxLength: JOB_LIMITS.text });
const uris = array(uri, { minItems: 1, maxItems: JOB_LIMITS.items });
const format = oneOfValues(Object.values(Format), { description: 'Meta Format of the value' });
const itemSpec = object({ uri, data: opt(text), format: opt(format), type: opt(string({ maxLength: JOB_LIMITS.text, description: 'Meta Type (MIME type) of the value' })) });
const uiCodes = (Object.values(AlertCode) as number[]).filter(isUiAlert).sort((a, b) => a - b);
const uiOptions = object(
  Object.fromEntries(Object.values(UiOption).map((name) => [name, opt(textOrInteger())])) as Record<UiOption, Schema<string | number | undefined>>,
  { description: 'User interaction options by their DM name (MINDT, MAXDT, DR, MAXLEN, IT, ET); which apply depends on the alert' },
);
const steps = array(ref<JobSpec>('JobSpec'), { minItems: 1, maxItems: JOB_LIMITS.items });

export const jobSpec = tagged(
  'op',
  [
    object({ op: literal('get'), uris }, { description: 'Get: read the nodes' }),
    object({ op: literal('delete'), uris }, { description: 'Delete: remove the nodes' }),
    object({ op: literal('replace'), items: array(itemSpec, { minItems: 1, maxItems: JOB_LIMITS.items }) }, { description: 'Replace: write the values' }),
    object({ op: literal('add'), items: array(itemSpec, { minItems: 1, maxItems: JOB_LIMITS.items }) }, { description: 'Add: create the nodes' }),
    object(
      { op: literal('copy'), items: array(object({ source: uri, target: uri }), { minItems: 1, maxItems: JOB_LIMITS.items }) },
      { description: 'Copy: copy each source node to its target' },
    ),
    object(
      { op: literal('exec'), uri, data: opt(text), format: opt(format), type: opt(string({ maxLength: JOB_LIMITS.text })), correlator: opt(string({ maxLength: JOB_LIMITS.text, description: 'Ties the Generic Alert the device sends later to this job' })) },
      { description: 'Exec: run the node' },
    ),
    object(
      {
        op: literal('ui'),
        code: oneOfValues(uiCodes, { description: '1100 display, 1101 confirm or reject, 1102 text input, 1103 single choice, 1104 multiple choice' }),
        text: string({ minLength: 1, maxLength: JOB_LIMITS.text }),
        options: opt(uiOptions),
        choices: opt(array(string({ minLength: 1, maxLength: JOB_LIMITS.text }), { minItems: 1, maxItems: JOB_LIMITS.items, description: 'The choices of 1103 and 1104 (only those)' })),
      },
      { description: 'A user interaction alert' },
    ),
    object({ op: literal('atomic'), steps }, { description: 'Atomic: all steps or none' }),
    object({ op: literal('sequence'), steps }, { description: 'Sequence: the steps in order (a sequence holds no sequence)' }),
  ],
  { description: 'What a job asks the device to do' },
) as unknown as Schema<JobSpec>;

// ------------------------------------------------------------------ inputs

const credentialsInput = object(
  { scheme: authScheme, name: opt(id('The name (AAuthName); required unless the scheme is none')), secret: opt(string({ minLength: 1, maxLength: SECRET_MAX, description: 'The secret (AAuthSecret); required unless the scheme is none. Never shown again.' })) },
  { description: 'How the device proves itself to the server' },
);

export const deviceInput = object(
  {
    id: id('The device id: the LocURI of its Source (e.g. IMEI:493005100592800)'),
    serverId: id('The server id the device knows this server by (DMAcc ServerID)'),
    client: credentialsInput,
    server: opt(
      object(
        {
          scheme: opt(authScheme),
          name: opt(id('Default: the server id')),
          secret: opt(string({ minLength: 1, maxLength: SECRET_MAX, description: 'Required unless the scheme is none. Never shown again.' })),
        },
        { description: 'How the server proves itself to the device. The scheme defaults to the client\'s' },
      ),
    ),
    acceptedClientSchemes: opt(array(authScheme, { maxItems: AUTH_NAMES.length, description: 'Schemes the device may use instead of client.scheme, in order of preference (AAuthPref)' })),
  },
  { description: 'A device to manage, with its credentials' },
);
export type DeviceInput = Infer<typeof deviceInput>;

export const jobInput = object(
  {
    spec: ref<JobSpec>('JobSpec'),
    expiresAt: opt(time('Not sent after this time: it becomes expired')),
    maxAttempts: opt(integer({ minimum: 1, maximum: 100, description: 'Sent at most this many times (default 5)' })),
  },
  { description: 'A job to enqueue for the device' },
);
export type JobInput = Infer<typeof jobInput>;

const limit = integer({ minimum: 1, maximum: PAGE_MAX, description: `At most this many rows (default ${PAGE_DEFAULT})` });
export const devicePage = object({ limit: opt(limit), after: opt(string({ maxLength: ID_MAX, description: 'Devices whose id sorts after this one (the `next` of the previous page)' })) });
export type DevicePage = Infer<typeof devicePage>;
export const rowPage = object({ limit: opt(limit), before: opt(integer({ minimum: 1, description: 'Rows older than this id (the `next` of the previous page)' })) });
export type RowPage = Infer<typeof rowPage>;

// ------------------------------------------------------------------ outputs

const credentialsView = object({ scheme: authScheme, name: opt(string()) }, { description: 'A scheme and a name; the secret is never shown' });

export const deviceView = object({
  id: string(),
  serverId: string(),
  client: credentialsView,
  server: credentialsView,
  acceptedClientSchemes: array(authScheme),
  createdAt: time('Added at'),
  updatedAt: time('Last changed at'),
});
export type DeviceView = Infer<typeof deviceView>;

const resultItem = object({ source: opt(string()), target: opt(string()), format: opt(string()), type: opt(string()), data: opt(string()) });

export const jobOutcome = object(
  {
    status: integer({ description: 'The Status code of the command (of the container for atomic and sequence)' }),
    results: opt(array(resultItem, { description: 'The Results of a Get (or the Items of a Status)' })),
    answer: opt(array(string(), { description: 'A UI alert\'s answer: the text typed, or the choices picked' })),
    inner: opt(array(integer(), { description: 'The Status codes of the commands inside an atomic or sequence' })),
  },
  { description: 'What came back for the job' },
);

export const jobStates = ['queued', 'sent', 'done', 'failed', 'expired', 'cancelled'] as const;

export const jobView = object({
  id: integer(),
  deviceId: string(),
  spec: ref<JobSpec>('JobSpec'),
  state: oneOfValues(jobStates, { description: 'queued → sent → done | failed | expired; cancelled before it was sent' }),
  attempts: integer({ minimum: 0, description: 'How many times it was sent' }),
  maxAttempts: integer({ minimum: 1 }),
  createdAt: time('Enqueued at'),
  expiresAt: opt(time('Not sent after')),
  sessionRef: opt(integer({ description: 'The session it was last sent in' })),
  sentAt: opt(time('Last sent at')),
  lastError: opt(string({ description: 'Why the last attempt did not finish it' })),
  finishedAt: opt(time('Finished at')),
  outcome: opt(jobOutcome),
});
export type JobView = Infer<typeof jobView>;

export const alertView = object({
  id: integer(),
  deviceId: string(),
  sessionRef: opt(integer()),
  code: integer({ description: '1226 Generic Alert, 1227/1228 tree alerts' }),
  correlator: opt(string()),
  mark: opt(string({ description: 'The severity of a Generic Alert, when given' })),
  items: array(resultItem),
  receivedAt: time('Received at'),
  handledAt: opt(time('Handed to every handler at')),
});
export type AlertView = Infer<typeof alertView>;

const sessionProps = {
  ref: integer({ description: 'The server\'s key for the session' }),
  deviceId: string(),
  sessionId: string({ description: 'The SessionID of the SyncHdr, as the device wrote it' }),
  live: boolean({ description: 'Not ended yet' }),
  startedAt: time('Started at'),
  lastActivity: time('Last message at'),
  expiresAt: time('Expires at, unless a message comes'),
  endedAt: opt(time('Ended at')),
  outcome: opt(oneOfValues(['completed', 'aborted', 'expired', 'failed'] as const)),
};
export const sessionView = object(sessionProps);
export type SessionView = Infer<typeof sessionView>;

export const messageView = object(
  {
    id: integer(),
    direction: oneOfValues(['in', 'out'] as const, { description: 'in: from the device; out: to it' }),
    msgId: string(),
    contentType: string(),
    at: time('Received or sent at'),
    size: integer({ minimum: 0, description: 'The whole message\'s size in bytes' }),
    truncated: boolean({ description: 'Only the first bytes were kept' }),
    xml: opt(string({ description: 'The message as XML (WBXML is shown decoded), with the Data of every Cred replaced by [redacted]' })),
    omitted: opt(string({ description: 'Why the message is not shown (a WBXML message that does not decode may hold credentials)' })),
  },
  { description: 'One message of a session, as recorded' },
);
export type MessageView = Infer<typeof messageView>;

export const sessionDetail = object({ ...sessionProps, messages: array(messageView) });
export type SessionDetail = Infer<typeof sessionDetail>;

/** A page of a list: `next`, when present, asks for the following page. */
export function pageOf<T, N>(items: Schema<T>, next: Schema<N>): Schema<{ items: T[]; next?: N }> {
  return object({ items: array(items), next: opt(next) }) as Schema<{ items: T[]; next?: N }>;
}

/** The named schemas ($ref targets), for check() and for the OpenAPI components. */
export const SCHEMAS: SchemaRegistry = { JobSpec: jobSpec.json };
