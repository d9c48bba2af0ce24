/**
 * The OpenAPI 3.1 document of the REST API, printed from the route table (./routes.ts):
 * the schemas in it are the objects the listener validates with (the same references,
 * not copies), and the named schemas are the registry `check` resolves `$ref`s in.
 */
import { assertKnown, type JsonSchema } from '../management/json-schema.js';
import { SCHEMAS } from '../management/schemas.js';
import { ERROR_STATUS, OPENAPI_PATH, ROUTES, errorBody, type ErrorCode, type Route } from './routes.js';

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly jsonSchemaDialect: string;
  readonly servers: readonly { readonly url: string }[];
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components: {
    readonly schemas: Record<string, JsonSchema>;
    readonly securitySchemes: Record<string, unknown>;
  };
  readonly security: readonly Record<string, readonly string[]>[];
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly required: true; readonly content: { readonly 'application/json': { readonly schema: JsonSchema } } };
  readonly responses: Record<string, { readonly description: string; readonly content?: { readonly 'application/json': { readonly schema: JsonSchema } } }>;
  readonly security?: readonly Record<string, readonly string[]>[];
}

/** Errors any route may answer with. */
const COMMON_ERRORS: readonly ErrorCode[] = ['invalid-input', 'unauthorized', 'payload-too-large', 'internal'];

const ERROR_TEXT: Record<number, string> = {
  400: 'The request is not valid: the error names the field',
  401: 'No admin token, or not the right one (Authorization: Bearer TOKEN)',
  404: 'No such device, job or session',
  405: 'The path does not take this method',
  409: 'The request clashes with what is there (a device id taken, a job no longer queued, a full queue)',
  413: 'The request body is too large',
  415: 'The body must be application/json',
  500: 'Something went wrong in the server',
};

function parameters(r: Route): OpenApiParameter[] {
  const out: OpenApiParameter[] = [];
  const add = (schema: JsonSchema | undefined, where: 'path' | 'query'): void => {
    for (const [name, s] of Object.entries(schema?.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (schema?.required ?? []).includes(name), ...(s.description !== undefined ? { description: s.description } : {}), schema: s });
    }
  };
  add(r.params?.json, 'path');
  add(r.query?.json, 'query');
  return out;
}

function operation(r: Route): OpenApiOperation {
  const params = parameters(r);
  const errors = new Set([...COMMON_ERRORS, ...r.errors].map((c) => ERROR_STATUS[c]));
  const errorRef = { $ref: '#/components/schemas/Error' };
  return {
    operationId: r.operationId,
    summary: r.summary,
    tags: [r.tag],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(r.body ? { requestBody: { required: true as const, content: { 'application/json': { schema: r.body.json } } } } : {}),
    responses: {
      [String(r.answer.status)]: { description: r.answer.description, ...(r.answer.schema ? { content: { 'application/json': { schema: r.answer.schema.json } } } : {}) },
      ...Object.fromEntries([...errors].sort().map((status) => [String(status), { description: ERROR_TEXT[status]!, content: { 'application/json': { schema: errorRef } } }])),
    },
  };
}

/** The named schemas of the document: what `$ref`s resolve to, for the document and for check(). */
export const API_SCHEMAS: Record<string, JsonSchema> = { ...SCHEMAS, Error: errorBody.json };

/** The document for the API mounted at `prefix` (its paths include it). */
export function openApiDocument(prefix: string, version: string): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  for (const r of ROUTES) (paths[prefix + r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  paths[prefix + OPENAPI_PATH] = {
    get: {
      operationId: 'openApiDocument',
      summary: 'This document (needs no token)',
      tags: ['meta'],
      security: [],
      responses: { '200': { description: 'The OpenAPI 3.1 document of the API' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'omadm management API',
      version,
      description: 'Devices, jobs, alerts and sessions of an omadm DM server. Every request but this document needs the admin token: `Authorization: Bearer TOKEN`. Errors are `{ "error": { "code", "message", "field"? } }`.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: '/' }],
    paths,
    components: { schemas: API_SCHEMAS, securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token `omadm serve` prints' } } },
    security: [{ adminToken: [] }],
  };
}

/** Refuses, once at start-up, a route schema holding a keyword the validator would not enforce. */
export function assertRouteSchemas(): void {
  for (const [name, s] of Object.entries(API_SCHEMAS)) assertKnown(s, API_SCHEMAS, `#/components/schemas/${name}`);
  for (const r of ROUTES) {
    for (const [part, s] of [
      ['params', r.params],
      ['query', r.query],
      ['body', r.body],
      ['answer', r.answer.schema],
    ] as const) {
      if (s) assertKnown(s.json, API_SCHEMAS, `${r.method} ${r.path} ${part}`);
    }
  }
}
