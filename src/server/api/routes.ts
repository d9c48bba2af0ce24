/**
 * The routes of the REST API, as data: one definition per route holds its method and
 * path, the schemas of its path parameters, query and body (./listener.ts validates
 * requests with them), its answer's schema, and the Management call it makes. The OpenAPI
 * document (./openapi.ts) is printed from this same table, so every route is documented
 * and every documented schema is the one enforced.
 */
import type { Management, PageOf } from '../management/management.js';
import { integer, object, opt, string, oneOfValues, type Infer, type Schema } from '../management/json-schema.js';
import {
  ID_MAX,
  alertView,
  deviceInput,
  devicePage,
  deviceView,
  jobInput,
  jobView,
  pageOf,
  rowPage,
  sessionDetail,
  sessionView,
  type RowPage,
} from '../management/schemas.js';

export type Method = 'GET' | 'POST' | 'DELETE';

/** The error codes of the API, each with its HTTP status. */
export const ERROR_STATUS = {
  'invalid-input': 400,
  'invalid-json': 400,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorBody = object(
  {
    error: object({
      code: oneOfValues(Object.keys(ERROR_STATUS) as ErrorCode[], { description: 'What went wrong, for programs' }),
      message: string({ description: 'What went wrong, for people' }),
      field: opt(string({ description: 'The field at fault: a path parameter, a query parameter, or a path in the body (spec.items[0].uri)' })),
    }),
  },
  { description: 'Every error answer' },
);
export type ErrorBody = Infer<typeof errorBody>;

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
}

export interface Route<P = unknown, Q = unknown, B = unknown, R = unknown> {
  readonly method: Method;
  /** Below the API's prefix, with `{name}` for a path parameter: `/devices/{deviceId}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: 'devices' | 'jobs' | 'sessions';
  /** Path parameters: an object schema, one property per `{name}`. */
  readonly params?: Schema<P>;
  readonly query?: Schema<Q>;
  readonly body?: Schema<B>;
  readonly answer: { readonly status: 200 | 201 | 204; readonly description: string; readonly schema?: Schema<R> };
  /** The errors it may answer with, besides 400, 401, 413 and 500 that any route may. */
  readonly errors: readonly ErrorCode[];
  run(m: Management, input: RouteInput<P, Q, B>): Promise<R>;
}

function route<P, Q, B, R>(r: Route<P, Q, B, R>): Route {
  return r as unknown as Route;
}

const deviceParam = object({ deviceId: string({ minLength: 1, maxLength: ID_MAX, description: 'The device id (percent-encoded in the path)' }) });
const jobParam = object({ jobId: integer({ minimum: 1, description: 'The job id' }) });
const sessionParam = object({ sessionRef: integer({ minimum: 1, description: "The session's ref" }) });

const devicesPage = pageOf(deviceView, string({ description: 'Give it as `after` for the next page' }));
const rowsPage = <T>(items: Schema<T>) => pageOf(items, integer({ description: 'Give it as `before` for the next page' }));

/** A GET of the one row its path names: 200 with its view, 404 when there is none. */
function getOne<P, R>(
  r: Omit<Route<P, unknown, unknown, R>, 'method' | 'params' | 'query' | 'body' | 'answer' | 'errors'> & {
    readonly params: Schema<P>;
    readonly answer: { readonly description: string; readonly schema: Schema<R> };
  },
): Route {
  return route({ ...r, method: 'GET', answer: { status: 200, ...r.answer }, errors: ['not-found'] });
}

/**
 * GET /devices/{deviceId}/NAME: a page of the device's rows of one kind (`limit` and
 * `before` in the query), 200 with `A page of NAME`, 404 when there is no such device.
 */
function deviceRows<T>(
  name: string,
  r: { readonly operationId: string; readonly summary: string; readonly tag: Route['tag']; readonly item: Schema<T>; run(m: Management, deviceId: string, page: RowPage): Promise<PageOf<T, number>> },
): Route {
  return route({
    method: 'GET',
    path: `/devices/{deviceId}/${name}`,
    operationId: r.operationId,
    summary: r.summary,
    tag: r.tag,
    params: deviceParam,
    query: rowPage,
    answer: { status: 200, description: `A page of ${name}`, schema: rowsPage(r.item) },
    errors: ['not-found'],
    run: (m, { params, query }) => r.run(m, params.deviceId, query),
  });
}

/** Every route of the API, in the order the document lists them. */
export const ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/devices',
    operationId: 'listDevices',
    summary: 'List the devices, by id',
    tag: 'devices',
    query: devicePage,
    answer: { status: 200, description: 'A page of devices', schema: devicesPage },
    errors: [],
    run: (m, { query }) => m.listDevices(query),
  }),
  route({
    method: 'POST',
    path: '/devices',
    operationId: 'addDevice',
    summary: 'Add a device with its credentials (the server side defaults to the client scheme)',
    tag: 'devices',
    body: deviceInput,
    answer: { status: 201, description: 'The device added (secrets are never shown)', schema: deviceView },
    errors: ['conflict', 'unsupported-media-type'],
    run: (m, { body }) => m.addDevice(body),
  }),
  getOne({
    path: '/devices/{deviceId}',
    operationId: 'getDevice',
    summary: 'Show a device',
    tag: 'devices',
    params: deviceParam,
    answer: { description: 'The device', schema: deviceView },
    run: (m, { params }) => m.getDevice(params.deviceId),
  }),
  route({
    method: 'DELETE',
    path: '/devices/{deviceId}',
    operationId: 'deleteDevice',
    summary: 'Delete a device with its sessions, jobs, results and alerts',
    tag: 'devices',
    params: deviceParam,
    answer: { status: 204, description: 'Deleted' },
    errors: ['not-found'],
    run: (m, { params }) => m.deleteDevice(params.deviceId),
  }),
  deviceRows('jobs', {
    operationId: 'listJobs',
    summary: "List a device's jobs: those still to do (oldest first), then the results (newest first)",
    tag: 'jobs',
    item: jobView,
    run: (m, id, p) => m.listJobs(id, p),
  }),
  route({
    method: 'POST',
    path: '/devices/{deviceId}/jobs',
    operationId: 'enqueueJob',
    summary: 'Enqueue a job for the device: it goes out in its next session',
    tag: 'jobs',
    params: deviceParam,
    body: jobInput,
    answer: { status: 201, description: 'The job, queued', schema: jobView },
    errors: ['not-found', 'conflict', 'unsupported-media-type'],
    run: (m, { params, body }) => m.enqueueJob(params.deviceId, body),
  }),
  deviceRows('alerts', {
    operationId: 'listAlerts',
    summary: 'List the alerts the device sent (Generic Alert 1226, tree alerts 1227/1228), newest first',
    tag: 'devices',
    item: alertView,
    run: (m, id, p) => m.listAlerts(id, p),
  }),
  deviceRows('sessions', {
    operationId: 'listSessions',
    summary: "List the device's sessions, newest first",
    tag: 'sessions',
    item: sessionView,
    run: (m, id, p) => m.listSessions(id, p),
  }),
  getOne({
    path: '/jobs/{jobId}',
    operationId: 'getJob',
    summary: 'Show a job with what came back (Status code, Results, UI answer)',
    tag: 'jobs',
    params: jobParam,
    answer: { description: 'The job', schema: jobView },
    run: (m, { params }) => m.getJob(params.jobId),
  }),
  route({
    method: 'POST',
    path: '/jobs/{jobId}/cancel',
    operationId: 'cancelJob',
    summary: 'Withdraw a queued job (409 once it was sent)',
    tag: 'jobs',
    params: jobParam,
    answer: { status: 200, description: 'The job, cancelled', schema: jobView },
    errors: ['not-found', 'conflict'],
    run: (m, { params }) => m.cancelJob(params.jobId),
  }),
  getOne({
    path: '/sessions/{sessionRef}',
    operationId: 'getSession',
    summary: 'Show a session with its message transcript (the Data of every Cred redacted)',
    tag: 'sessions',
    params: sessionParam,
    answer: { description: 'The session and its messages', schema: sessionDetail },
    run: (m, { params }) => m.getSession(params.sessionRef),
  }),
];

/** The path of the OpenAPI document, below the prefix (it needs no token). */
export const OPENAPI_PATH = '/openapi.json';
