/**
 * A small JSON Schema layer: the schemas of the management operations are plain JSON
 * Schema (2020-12, the dialect of OpenAPI 3.1) objects, and `check` validates a value by
 * interpreting that very object. The OpenAPI document prints the same objects, so what it
 * says and what is enforced cannot differ. Two rules keep that true:
 *   1. `check` knows every keyword it is given: a schema holding one it does not enforce
 *      is refused when it is built (`assertKnown`), never silently ignored;
 *   2. the combinators below only assemble JSON; they carry a TypeScript type for the
 *      value a successful check returns, nothing else.
 * A refusal is a StoreInputError naming the field as the store does (`spec.items[2].uri`).
 */
import { StoreInputError } from '../store/errors.js';

/** The JSON Schema subset `check` enforces. */
export interface JsonSchema {
  readonly type?: JsonType | readonly JsonType[];
  readonly description?: string;
  readonly enum?: readonly (string | number)[];
  readonly const?: string | number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: JsonSchema;
  readonly properties?: { readonly [name: string]: JsonSchema };
  readonly required?: readonly string[];
  readonly additionalProperties?: false;
  /** One of these, chosen by the `const` of `discriminator.propertyName` in each. */
  readonly oneOf?: readonly JsonSchema[];
  readonly discriminator?: { readonly propertyName: string };
  /** `#/components/schemas/NAME`, resolved in the registry `check` is given. */
  readonly $ref?: string;
}

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

const KNOWN = new Set(['type', 'description', 'enum', 'const', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems', 'items', 'properties', 'required', 'additionalProperties', 'oneOf', 'discriminator', '$ref']);

/** A schema with the type of the value it admits (`T` is for the compiler only). */
export interface Schema<T> {
  readonly json: JsonSchema;
  /** Never set: carries T. */
  readonly _type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Named schemas, referred to as `#/components/schemas/NAME`. */
export type SchemaRegistry = { readonly [name: string]: JsonSchema };

const REF_PREFIX = '#/components/schemas/';

/** Refuses a schema with a keyword `check` would not enforce (rule 1), or a $ref to nothing. */
export function assertKnown(json: JsonSchema, registry: SchemaRegistry, at = '#'): void {
  for (const key of Object.keys(json)) if (!KNOWN.has(key)) throw new Error(`schema ${at}: keyword '${key}' is not enforced by check()`);
  if (json.$ref !== undefined) {
    if (Object.keys(json).length !== 1) throw new Error(`schema ${at}: $ref stands alone`);
    if (registry[json.$ref.slice(REF_PREFIX.length)] === undefined || !json.$ref.startsWith(REF_PREFIX)) throw new Error(`schema ${at}: $ref ${json.$ref} names no schema`);
  }
  if (json.additionalProperties !== undefined && json.additionalProperties !== false) throw new Error(`schema ${at}: additionalProperties may only be false`);
  if (json.discriminator !== undefined) {
    const name = json.discriminator.propertyName;
    for (const [i, branch] of (json.oneOf ?? []).entries()) {
      const c = resolve(branch, registry).properties?.[name]?.const;
      if (c === undefined) throw new Error(`schema ${at}/oneOf/${i}: no const for the discriminator '${name}'`);
    }
  } else if (json.oneOf !== undefined) throw new Error(`schema ${at}: oneOf needs a discriminator`);
  if (json.items) assertKnown(json.items, registry, `${at}/items`);
  for (const [name, p] of Object.entries(json.properties ?? {})) assertKnown(p, registry, `${at}/properties/${name}`);
  for (const [i, b] of (json.oneOf ?? []).entries()) assertKnown(b, registry, `${at}/oneOf/${i}`);
}

function resolve(json: JsonSchema, registry: SchemaRegistry): JsonSchema {
  if (json.$ref === undefined) return json;
  const target = registry[json.$ref.slice(REF_PREFIX.length)];
  if (target === undefined) throw new Error(`$ref ${json.$ref} names no schema`);
  return target;
}

/** Values nested deeper than this are refused, whatever the schema (the checker recurses). */
export const MAX_DEPTH = 64;

/** Checks `value` against `schema`; returns it typed, or throws StoreInputError on the first field at fault. */
export function check<T>(schema: Schema<T>, value: unknown, field: string, registry: SchemaRegistry = {}): T {
  checkJson(schema.json, value, field, registry, 0);
  return value as T;
}

function typeOf(value: unknown): JsonType | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'integer' : Number.isFinite(value) ? 'number' : 'other';
    case 'object':
      return 'object';
    default:
      return 'other';
  }
}

function typeName(types: readonly JsonType[]): string {
  const words = types.map((t) => (t === 'integer' ? 'an integer' : t === 'array' ? 'an array' : t === 'object' ? 'an object' : t === 'null' ? 'null' : `a ${t}`));
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : words[0]!;
}

/** Joins a field path: `spec` + `uri` = `spec.uri`; the root field '' gives `uri`. */
export function fieldOf(parent: string, name: string | number): string {
  if (typeof name === 'number') return `${parent}[${name}]`;
  return parent === '' ? name : `${parent}.${name}`;
}

function checkJson(json: JsonSchema, value: unknown, field: string, registry: SchemaRegistry, depth: number): void {
  json = resolve(json, registry);
  const where = field === '' ? 'body' : field;
  if (depth > MAX_DEPTH) throw new StoreInputError(where, `nested deeper than ${MAX_DEPTH}`);
  if (json.type !== undefined) {
    const types: readonly JsonType[] = typeof json.type === 'string' ? [json.type] : json.type;
    const actual = typeOf(value);
    const ok = types.includes(actual as JsonType) || (actual === 'integer' && types.includes('number'));
    if (!ok) throw new StoreInputError(where, `must be ${typeName(types)}`);
  }
  if (json.const !== undefined && value !== json.const) throw new StoreInputError(where, `must be ${JSON.stringify(json.const)}`);
  if (json.enum !== undefined && !json.enum.includes(value as string | number)) throw new StoreInputError(where, `must be one of ${json.enum.join(', ')}`);
  if (typeof value === 'string') {
    // Lengths in code points, as JSON Schema counts them.
    const length = json.minLength !== undefined || json.maxLength !== undefined ? [...value].length : 0;
    if (json.minLength !== undefined && length < json.minLength) throw new StoreInputError(where, json.minLength === 1 ? 'must not be empty' : `must be at least ${json.minLength} characters`);
    if (json.maxLength !== undefined && length > json.maxLength) throw new StoreInputError(where, `longer than ${json.maxLength} characters`);
    if (json.pattern !== undefined && !new RegExp(json.pattern, 'u').test(value)) throw new StoreInputError(where, `must match ${json.pattern}`);
  }
  if (typeof value === 'number') {
    if (json.minimum !== undefined && value < json.minimum) throw new StoreInputError(where, `must be at least ${json.minimum}`);
    if (json.maximum !== undefined && value > json.maximum) throw new StoreInputError(where, `must be at most ${json.maximum}`);
  }
  if (Array.isArray(value)) {
    if (json.minItems !== undefined && value.length < json.minItems) throw new StoreInputError(where, json.minItems === 1 ? 'must be a non-empty array' : `must hold at least ${json.minItems} entries`);
    if (json.maxItems !== undefined && value.length > json.maxItems) throw new StoreInputError(where, `more than ${json.maxItems} entries`);
    if (json.items !== undefined) value.forEach((v, i) => checkJson(json.items!, v, fieldOf(field, i), registry, depth + 1));
  }
  if (typeOf(value) === 'object') {
    const o = value as Record<string, unknown>;
    for (const name of json.required ?? []) if (o[name] === undefined) throw new StoreInputError(fieldOf(field, name), 'is required');
    if (json.additionalProperties === false) {
      const known = Object.keys(json.properties ?? {});
      for (const k of Object.keys(o)) if (!known.includes(k)) throw new StoreInputError(fieldOf(field, k), `is not a field here (expected ${known.join(', ')})`);
    }
    for (const [name, p] of Object.entries(json.properties ?? {})) if (o[name] !== undefined) checkJson(p, o[name], fieldOf(field, name), registry, depth + 1);
  }
  if (json.oneOf !== undefined && json.discriminator !== undefined) {
    const name = json.discriminator.propertyName;
    const tag = typeOf(value) === 'object' ? (value as Record<string, unknown>)[name] : undefined;
    const branches = json.oneOf.map((b) => resolve(b, registry));
    const branch = branches.find((b) => b.properties?.[name]?.const === tag);
    if (branch === undefined) throw new StoreInputError(fieldOf(field, name), `must be one of ${branches.map((b) => b.properties![name]!.const).join(', ')}`);
    checkJson(branch, value, field, registry, depth + 1);
  }
}

// ------------------------------------------------------------------ combinators

type Described = { readonly description?: string };

export function string(options: Described & { readonly minLength?: number; readonly maxLength?: number; readonly pattern?: string } = {}): Schema<string> {
  return { json: { type: 'string', ...options } };
}

export function literal<const V extends string | number>(value: V, options: Described = {}): Schema<V> {
  return { json: { const: value, ...options } };
}

export function oneOfValues<const V extends readonly (string | number)[]>(values: V, options: Described = {}): Schema<V[number]> {
  const types = [...new Set(values.map((v) => (typeof v === 'string' ? 'string' : 'integer')))] as JsonType[];
  return { json: { type: types.length === 1 ? types[0]! : types, enum: values, ...options } };
}

export function integer(options: Described & { readonly minimum?: number; readonly maximum?: number } = {}): Schema<number> {
  return { json: { type: 'integer', ...options } };
}

export function boolean(options: Described = {}): Schema<boolean> {
  return { json: { type: 'boolean', ...options } };
}

/** A string or an integer (UI option values may be given either way). */
export function textOrInteger(options: Described = {}): Schema<string | number> {
  return { json: { type: ['string', 'integer'], ...options } };
}

export function array<T>(items: Schema<T>, options: Described & { readonly minItems?: number; readonly maxItems?: number } = {}): Schema<T[]> {
  return { json: { type: 'array', items: items.json, ...options } };
}

type Props = { readonly [name: string]: Schema<unknown> };
type Optional<P extends Props> = { [K in keyof P]: undefined extends Infer<P[K]> ? K : never }[keyof P];
type ObjectOf<P extends Props> = { -readonly [K in Exclude<keyof P, Optional<P>>]: Infer<P[K]> } & { -readonly [K in Optional<P>]?: Exclude<Infer<P[K]>, undefined> };
type Flatten<T> = { [K in keyof T]: T[K] } & {};

const OPTIONAL = Symbol('optional');

/** An object of exactly these properties; those wrapped in `opt()` may be absent, the others are required. */
export function object<P extends Props>(properties: P, options: Described = {}): Schema<Flatten<ObjectOf<P>>> {
  const required = Object.keys(properties).filter((k) => (properties[k] as { [OPTIONAL]?: true })[OPTIONAL] !== true);
  return {
    json: {
      type: 'object',
      ...options,
      properties: Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, s.json])),
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    },
  };
}

/** An optional property of `object()`: absent is fine. */
export function opt<T>(schema: Schema<T>): Schema<T | undefined> {
  return Object.assign({ json: schema.json }, { [OPTIONAL]: true as const }) as Schema<T | undefined>;
}

/** One of several objects, picked by the constant value of `tag` in each. */
export function tagged<S extends readonly Schema<unknown>[]>(tag: string, branches: S, options: Described = {}): Schema<Infer<S[number]>> {
  return { json: { oneOf: branches.map((b) => b.json), discriminator: { propertyName: tag }, ...options } };
}

/** A reference to a named schema of the registry (for recursion and reuse). */
export function ref<T>(name: string): Schema<T> {
  return { json: { $ref: `${REF_PREFIX}${name}` } };
}
