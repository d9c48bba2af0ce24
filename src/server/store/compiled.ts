/**
 * Queries built and compiled once. Kysely builds and compiles a query at every call,
 * which the server bench's profile showed at about a quarter of the server's CPU; for the
 * queries every DM message makes, `compileOnce` builds the query once with a `Slot` in
 * place of each argument, keeps the SQL, and at each call gives the parameters only.
 * Only arguments that Kysely passes through as a bound parameter may be slots (values of
 * `where`, `set`, `values`); the rest (tables, columns, `in` lists, limits) are fixed
 * when the query is built.
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
    if (compiled === undefined) {
      const slots = Array.from({ length: arity }, (_, i) => new Slot(i));
      const query = build(...(slots as unknown as A)).compile();
      const seen = query.parameters.filter((p) => p instanceof Slot).map((p) => (p as Slot).index);
      if (seen.length !== arity || new Set(seen).size !== arity) throw new Error(`a query built once uses ${seen.length} of its ${arity} arguments as parameters: ${query.sql}`);
      compiled = query;
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    return db.executeQuery<R>({ ...compiled, parameters });
  };
}
