/**
 * One definition per route, for validation and for the document: the OpenAPI document's
 * schemas are the very objects the listener checks requests with, every keyword in them
 * is one the checker enforces, and the JobSpec schema never refuses a job the store takes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UiOption } from '../../../generated/codes.js';
import { API_SCHEMAS, ROUTES, openApiDocument } from '../../../src/server/api/index.js';
import { MAX_DEPTH } from '../../../src/server/management/json-schema.js';
import { SCHEMAS, assertKnown, check, jobSpec, type JsonSchema } from '../../../src/server/management/index.js';
import { isStoreInputError, parseJobSpec } from '../../../src/server/store/index.js';

const doc = openApiDocument('/api/v1', '1.0.0');

function refusal(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (isStoreInputError(e)) return e.field;
    throw e;
  }
}

describe('the OpenAPI document is printed from the route schemas', () => {
  it('holds, for every route, the same schema objects the listener validates with', () => {
    for (const r of ROUTES) {
      const op = doc.paths[`/api/v1${r.path}`]?.[r.method.toLowerCase()];
      expect(op?.operationId, `${r.method} ${r.path}`).toBe(r.operationId);
      if (r.body) expect(op!.requestBody!.content['application/json'].schema).toBe(r.body.json);
      else expect(op!.requestBody).toBeUndefined();
      for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
        const given = (op!.parameters ?? []).filter((p) => p.in === where);
        expect(given.map((p) => p.name)).toEqual(Object.keys(schema?.json.properties ?? {}));
        for (const p of given) {
          expect(p.schema).toBe(schema!.json.properties![p.name]);
          expect(p.required).toBe(where === 'path' || (schema!.json.required ?? []).includes(p.name));
        }
      }
      const answer = op!.responses[String(r.answer.status)];
      if (r.answer.schema) expect(answer?.content?.['application/json'].schema).toBe(r.answer.schema.json);
      for (const code of ['400', '401', '500']) expect(op!.responses[code]?.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(doc.components.schemas).toBe(API_SCHEMAS);
    expect(API_SCHEMAS['JobSpec']).toBe(SCHEMAS['JobSpec']);
    // Path templates name exactly the route's path parameters.
    for (const r of ROUTES) expect([...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])).toEqual(Object.keys(r.params?.json.properties ?? {}));
  });

  it('uses only keywords the checker enforces, and every $ref resolves', () => {
    const walk = (s: JsonSchema, at: string): void => assertKnown(s, API_SCHEMAS, at);
    for (const [name, s] of Object.entries(doc.components.schemas)) walk(s, name);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) walk(p.schema, `${method} ${path} ${p.name}`);
        if (op.requestBody) walk(op.requestBody.content['application/json'].schema, `${method} ${path} body`);
        for (const [status, r] of Object.entries(op.responses)) if (r.content) walk(r.content['application/json'].schema, `${method} ${path} ${status}`);
      }
    }
    expect(() => assertKnown({ type: 'string', format: 'email' } as JsonSchema, {})).toThrow(/keyword 'format' is not enforced/);
    expect(() => assertKnown({ $ref: '#/components/schemas/Nope' }, {})).toThrow(/names no schema/);
    expect(() => assertKnown({ oneOf: [{ type: 'string' }] }, {})).toThrow(/needs a discriminator/);
  });

  it('survives a trip through JSON unchanged (what /openapi.json serves is this document)', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('check: JSON Schema interpreted, refusals naming the field', () => {
  it('names the field of each refusal the way the store does', () => {
    const spec = { json: { $ref: '#/components/schemas/JobSpec' } };
    expect(refusal(() => check(spec, { op: 'copy', items: [{ source: './A' }] }, 'spec', SCHEMAS))).toBe('spec.items[0].target');
    expect(refusal(() => check(spec, { op: 'copy', items: [{ source: './A', target: 7 }] }, 'spec', SCHEMAS))).toBe('spec.items[0].target');
    expect(refusal(() => check(spec, { op: 'nope' }, 'spec', SCHEMAS))).toBe('spec.op');
    expect(refusal(() => check(spec, 'get', 'spec', SCHEMAS))).toBe('spec.op');
    expect(refusal(() => check(spec, { op: 'ui', code: 1100, text: 'x', options: { MINDT: true } }, 'spec', SCHEMAS))).toBe('spec.options.MINDT');
    expect(refusal(() => check(spec, { op: 'get', uris: ['./A'], extra: 1 }, 'spec', SCHEMAS))).toBe('spec.extra');
    expect(refusal(() => check(spec, { op: 'get', uris: ['./A'] }, 'spec', SCHEMAS))).toBeUndefined();
  });

  it(`refuses values nested deeper than ${MAX_DEPTH} without recursing further`, () => {
    let deep: unknown = { op: 'get', uris: ['./A'] };
    for (let i = 0; i < 10_000; i++) deep = { op: 'atomic', steps: [deep] };
    expect(refusal(() => check(jobSpec, deep, 'spec', SCHEMAS))).toMatch(/^spec(\.steps\[0\])+(\.\w+)?$/);
  });
});

describe('the JobSpec schema and parseJobSpec agree', () => {
  // Mostly valid parts, a few wrong ones: both sides of the line get explored.
  const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: bad });
  const uri = mostly(fc.constantFrom('./A', './DevInfo/Mod'), fc.constantFrom('', 'x'.repeat(1025), 7));
  const text = mostly(fc.constantFrom('hi', 'x'), fc.constantFrom('', 3));
  const format = mostly(fc.constantFrom('chr', 'int', 'b64', 'node', undefined), fc.constantFrom('integer', 'Chr'));
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const list = <T>(a: fc.Arbitrary<T>) => mostly(fc.array(a, { minLength: 1, maxLength: 3 }), fc.constantFrom([], 'nope'));
  const item = fc.record({ uri, data: maybe(text), format: maybe(format), type: maybe(text) }, { requiredKeys: [] });
  const options = fc.dictionary(fc.constantFrom(...Object.values(UiOption), 'FOO'), mostly(fc.oneof(fc.constantFrom('1', 'A', 'N', 'T', 'x'), fc.integer({ min: 0, max: 50 })), fc.constantFrom('', -1, true)), { maxKeys: 3 });
  const { spec } = fc.letrec<{ spec: unknown }>((tie) => ({
    spec: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ op: fc.constantFrom('get', 'delete', 'put'), uris: list(uri) }),
      fc.record({ op: fc.constantFrom('replace', 'add'), items: list(item) }),
      fc.record({ op: fc.constant('copy'), items: list(fc.record({ source: uri, target: uri }, { requiredKeys: [] })) }),
      fc.record({ op: fc.constant('exec'), uri, data: maybe(text), format: maybe(format), correlator: maybe(text) }, { requiredKeys: ['op'] }),
      fc.record({ op: fc.constant('ui'), code: mostly(fc.constantFrom(1100, 1101, 1102, 1103, 1104), fc.constantFrom(1200, '1100')), text, options: maybe(options), choices: maybe(list(text)) }, { requiredKeys: ['op'] }),
      fc.record({ op: fc.constantFrom('atomic', 'sequence'), steps: list(tie('spec')) }),
      fc.record({ op: fc.constant('get'), uris: fc.constant(['./A']), extra: fc.constant(1) }),
    ),
  }));

  it('every spec parseJobSpec takes, the schema takes; every spec the schema refuses, parseJobSpec refuses', () => {
    fc.assert(
      fc.property(spec, (value) => {
        const bySchema = refusal(() => check(jobSpec, value, 'spec', SCHEMAS));
        const byStore = refusal(() => parseJobSpec(value, 'spec'));
        if (byStore === undefined) expect(bySchema).toBeUndefined();
        if (bySchema !== undefined) expect(byStore).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });
});
