/**
 * Queries built and compiled once. Kysely builds and compiles a query at every call,
 * which the server bench's profile showed at about a quarter of the server's CPU; for the
 * queries every DM message makes, `compileOnce` builds the query once with a `Slot` in
 * place of each argument, keeps the SQL, and at each call gives the parameters only.
 * Only arguments that Kysely passes through as a bound parameter may be slots (values of
 * `where`, `set`, `values`); the rest (tables, columns, limits) are fixed when the query
 * is built. A query whose shape follows its argument count (an `in` list, the rows of an
 * insert) is compiled once per count: `compileOncePerCount`.
 */
import type { CompiledQuery, Compilable, QueryResult } from 'kysely';

/** What runs the query: a Kysely instance, a transaction, or (SQLite) the connection itself (sqlite.ts). */
export interface Runner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** The place of an argument in a query built once. */
class Slot {
  constructor(readonly index: number) {}
}

export type CompiledOnce<A extends readonly unknown[], R> = (db: Runner, ...args: A) => Promise<QueryResult<R>>;

/** `build` is called once, with a slot for each of its declared arguments (no defaults,
 * no rest); every slot must appear in the compiled query as a parameter of its own. */
export function compileOnce<A extends readonly unknown[], R>(build: (...args: A) => Compilable<R>): CompiledOnce<A, R> {
  const arity = build.length;
  let compiled: CompiledQuery<R> | undefined;
  return async (db, ...args) => {
    compiled ??= withSlots(arity, (slots) => build(...(slots as unknown as A)));
    return db.executeQuery<R>(bind(compiled, args));
  };
}

/** At most this many shapes (argument counts) of a query are kept compiled. */
export const MAX_SHAPES = 64;

/**
 * `compileOnce` for a query whose shape depends on how many arguments it has (an `in`
 * list, the rows of an insert): `build` gets a slot per argument and is called once per
 * count, up to MAX_SHAPES counts; beyond them a query is built at each call.
 */
export function compileOncePerCount<R>(build: (slots: readonly unknown[]) => Compilable<R>): (db: Runner, args: readonly unknown[]) => Promise<QueryResult<R>> {
  const byCount = new Map<number, CompiledQuery<R>>();
  return async (db, args) => {
    let compiled = byCount.get(args.length);
    if (compiled === undefined) {
      compiled = withSlots(args.length, build);
      if (byCount.size < MAX_SHAPES) byCount.set(args.length, compiled);
    }
    return db.executeQuery<R>(bind(compiled, args));
  };
}

function withSlots<R>(count: number, build: (slots: readonly unknown[]) => Compilable<R>): CompiledQuery<R> {
  const slots = Array.from({ length: count }, (_, i) => new Slot(i));
  const query = build(slots).compile();
  const seen = query.parameters.filter((p) => p instanceof Slot).map((p) => (p as Slot).index);
  if (seen.length !== count || new Set(seen).size !== count) throw new Error(`a query built once uses ${seen.length} of its ${count} arguments as parameters: ${query.sql}`);
  return query;
}

function bind<R>(compiled: CompiledQuery<R>, args: readonly unknown[]): CompiledQuery<R> {
  return { ...compiled, parameters: compiled.parameters.map((p) => (p instanceof Slot ? args[p.index] : p)) };
}
