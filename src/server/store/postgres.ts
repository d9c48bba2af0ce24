/**
 * The shared backend: PostgreSQL through pg's pool, for several server processes over
 * one database. bigint columns come back as numbers (times in ms and ids stay far below
 * 2^53), which pg would otherwise give as strings. `schema` puts every table in a
 * PostgreSQL schema of its own (created when missing), e.g. one per test run.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import type { StoreLimits } from './types.js';
import { KyselyStore } from './kysely-store.js';
import { migrate } from './migrations.js';
import { StoreConfigError } from './errors.js';

export interface PostgresOptions {
  readonly limits?: Partial<StoreLimits>;
  readonly schema?: string;
  /** Connections in the pool. */
  readonly poolSize?: number;
}

const INT8_OID = 20;

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<KyselyStore> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new StoreConfigError(`schema ${JSON.stringify(schema)}: lower-case letters, digits and _ only`);
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } catch (e) {
      // Another process created it between the check and the create.
      const code = (e as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P06') throw e;
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db as Kysely<unknown>, 'postgres');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return new KyselyStore(db, 'postgres', options.limits);
}
