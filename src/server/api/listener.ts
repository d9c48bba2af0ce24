/**
 * The REST API as a node:http request listener, mounted by prefix (default /api/v1) on
 * any server. Rules kept here:
 *   1. Every route but the OpenAPI document needs `Authorization: Bearer TOKEN`, the
 *      token compared in constant time; otherwise 401.
 *   2. Path parameters, query and body are checked with the route's schemas (the ones the
 *      document prints) before Management sees them; a refusal is 400 naming the field.
 *   3. A body is read only for a route that takes one, only as application/json, and at
 *      most `maxBodyBytes`: a larger one is refused with 413 before it is read (from
 *      Content-Length) or as soon as the count passes the limit, and the connection is
 *      closed so the rest is never read.
 *   4. Every answer is JSON; an error is `{ "error": { "code", "message", "field"? } }`,
 *      and an error nobody expected is a 500 without detail (`onError` sees it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArgumentError } from '../../runtime/errors.js';
import { positiveOption } from '../../binding/options.js';
import type { Management } from '../management/management.js';
import { check } from '../management/json-schema.js';
import { isManagementConflictError } from '../management/errors.js';
import { Secret } from '../store/secret.js';
import { isStoreInputError, isStoreNotFoundError } from '../store/errors.js';
import { API_SCHEMAS, assertRouteSchemas, openApiDocument } from './openapi.js';
import { ERROR_STATUS, OPENAPI_PATH, ROUTES, type ErrorCode, type Method, type Route } from './routes.js';
import { readBody } from '../http/read-body.js';

export const API_PREFIX = '/api/v1';
/** Largest request body taken by default: a job may carry 1 MiB of data, as JSON text. */
export const DEFAULT_API_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ApiOptions {
  readonly management: Management;
  /** The admin token every request must carry (a Secret keeps it out of logs). */
  readonly adminToken: string | Secret;
  /** Where the API is mounted. Default /api/v1. */
  readonly prefix?: string;
  /** Largest request body. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** The document's info.version. Default 1.0.0. */
  readonly version?: string;
  /** Told of every error nobody expected (the client only sees a 500). */
  readonly onError?: (error: unknown, request: { readonly method: string; readonly path: string }) => void;
}

/** An error answer on its way out. */
class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly string[];
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/** The route whose path matches, and its raw parameters; or the methods the path takes. */
function match(routes: readonly CompiledRoute[], method: string, parts: readonly string[]): { route: Route; params: Record<string, string> } | { allow: Method[] } {
  const allow: Method[] = [];
  for (const c of routes) {
    if (c.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = c.segments.every((s, i) => {
      if (s.startsWith('{')) {
        params[s.slice(1, -1)] = parts[i]!;
        return true;
      }
      return s === parts[i];
    });
    if (!fits) continue;
    if (c.route.method === method) return { route: c.route, params };
    allow.push(c.route.method);
  }
  return { allow };
}

/** Query and path values come as text: an integer parameter is read as one when it is digits. */
function typed(schema: Route['params'], raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const type = schema?.json.properties?.[k]?.type;
    out[k] = type === 'integer' && /^[0-9]{1,16}$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v;
  }
  return out;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ApiError('invalid-input', `the path segment ${JSON.stringify(s)} is not valid percent-encoding`);
  }
}

function queryOf(search: string): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (Object.hasOwn(q, k)) throw new ApiError('invalid-input', 'is given more than once', k);
    q[k] = v;
  }
  return q;
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...params] = contentType.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"');
}


function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Cache-Control', 'no-store');
  if (body === undefined) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function sendError(res: ServerResponse, e: ApiError): void {
  send(res, ERROR_STATUS[e.code], { error: { code: e.code, message: e.message, ...(e.field !== undefined ? { field: e.field } : {}) } });
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The request listener of the REST API. */
export function apiRequestListener(options: ApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const prefix = normalisePrefix(options.prefix ?? API_PREFIX);
  const token = typeof options.adminToken === 'string' ? new Secret(options.adminToken) : options.adminToken;
  if (!(token instanceof Secret) || token.reveal().length < 16) throw new ArgumentError('options.adminToken', 'must be at least 16 characters');
  const maxBodyBytes = positiveOption(options.maxBodyBytes ?? DEFAULT_API_MAX_BODY_BYTES, 'maxBodyBytes');
  assertRouteSchemas();
  const document = JSON.stringify(openApiDocument(prefix, options.version ?? '1.0.0'));
  const routes: CompiledRoute[] = ROUTES.map((route) => ({ route, segments: segmentsOf(route.path) }));
  const management = options.management;

  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const search = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    const fail = (e: unknown): void => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof ApiError) return sendError(res, e);
      if (isStoreInputError(e)) return sendError(res, new ApiError('invalid-input', e.reason, e.field));
      if (isManagementConflictError(e)) return sendError(res, new ApiError('conflict', e.reason, e.field));
      if (isStoreNotFoundError(e)) return sendError(res, new ApiError('not-found', e.message));
      options.onError?.(e, { method, path: pathname });
      sendError(res, new ApiError('internal', 'internal error'));
    };
    try {
      if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) throw new ApiError('not-found', `no route ${pathname}`);
      const rest = pathname.slice(prefix.length);
      if (rest === OPENAPI_PATH) {
        if (method !== 'GET') {
          res.setHeader('Allow', 'GET');
          throw new ApiError('method-not-allowed', `${OPENAPI_PATH} takes GET`);
        }
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Content-Length', Buffer.byteLength(document));
        res.end(document);
        return;
      }
      if (!authorized(req.headers['authorization'], token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="omadm"');
        throw new ApiError('unauthorized', 'this API needs the admin token: Authorization: Bearer TOKEN');
      }
      const found = match(routes, method, segmentsOf(rest));
      if ('allow' in found) {
        if (found.allow.length === 0) throw new ApiError('not-found', `no route ${pathname}`);
        res.setHeader('Allow', found.allow.join(', '));
        throw new ApiError('method-not-allowed', `${pathname} takes ${found.allow.join(', ')}`);
      }
      const { route } = found;
      const rawParams = Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, decodeSegment(v)]));
      const params = route.params ? check(route.params, typed(route.params, rawParams), '', API_SCHEMAS) : {};
      const query = check(route.query ?? EMPTY, typed(route.query, queryOf(search)), '', API_SCHEMAS);
      if (route.body === undefined) {
        void run(route, params, query, undefined).catch(fail);
        return;
      }
      if (!isJson(req.headers['content-type'])) throw new ApiError('unsupported-media-type', 'the body must be application/json (UTF-8)');
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > maxBodyBytes) return tooLarge(res, maxBodyBytes);
      readBody(req, maxBodyBytes).then((bytes) => {
        if (bytes === undefined) return tooLarge(res, maxBodyBytes);
        let body: unknown;
        try {
          body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
        } catch {
          throw new ApiError('invalid-json', 'the body is not JSON in UTF-8', 'body');
        }
        return run(route, params, query, check(route.body!, body, '', API_SCHEMAS));
      }, () => {
        // The client went away or sent a broken body: nothing to answer.
        if (!res.headersSent) res.destroy();
      }).catch(fail);
    } catch (e) {
      fail(e);
    }

    async function run(route: Route, params: unknown, query: unknown, body: unknown): Promise<void> {
      const answer = await route.run(management, { params, query, body });
      send(res, route.answer.status, route.answer.status === 204 ? undefined : answer);
    }
  };
}

const EMPTY = { json: { type: 'object', properties: {}, additionalProperties: false } } as const;

function authorized(header: string | undefined, token: Secret): boolean {
  const given = header === undefined ? undefined : BEARER.exec(header)?.[1];
  // Compared even when absent, so the time taken says nothing about the token.
  return token.equals(given ?? '') && given !== undefined;
}

function tooLarge(res: ServerResponse, limit: number): void {
  res.setHeader('Connection', 'close');
  sendError(res, new ApiError('payload-too-large', `the request body is larger than ${limit} bytes`));
  res.on('finish', () => res.socket?.destroySoon());
}

function normalisePrefix(prefix: string): string {
  const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return p === '/' ? '' : p;
}

/** The API as a route of app.ts (`routes: [apiRoute({...})]`). */
export function apiRoute(options: ApiOptions): { readonly prefix: string; readonly listener: (req: IncomingMessage, res: ServerResponse) => void } {
  return { prefix: normalisePrefix(options.prefix ?? API_PREFIX) || '/', listener: apiRequestListener(options) };
}
