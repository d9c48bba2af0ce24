/**
 * The databases the store suite runs on. Each `fresh()` is an empty database that can be
 * opened more than once (a restart, or a second server process): SQLite in a temporary
 * file, PostgreSQL in a schema of its own on the server OMADM_TEST_PG_URL names
 * (.ci/run starts one; locally, install Debian's `postgresql` and set the variable).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import { openPostgresStore, openSqliteStore, type Store, type StoreLimits } from '../../src/server/store/index.js';

export type DatabaseLocation = { readonly backend: 'sqlite'; readonly file: string } | { readonly backend: 'postgres'; readonly url: string; readonly schema: string };

export interface TestDatabase {
  /** Where it is, for another process to open it. */
  readonly location: DatabaseLocation;
  /** Opens the database (again): each call is another connection, as another process has. */
  open(limits?: Partial<StoreLimits>): Promise<Store>;
  dispose(): Promise<void>;
}

export interface Backend {
  readonly name: 'sqlite' | 'postgres';
  fresh(): Promise<TestDatabase>;
}

export const sqlite: Backend = {
  name: 'sqlite',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'omadm-store-'));
    const file = join(dir, 'omadm.db');
    const opened: Store[] = [];
    return {
      location: { backend: 'sqlite', file },
      async open(limits) {
        const store = await openSqliteStore(file, limits ? { limits } : {});
        opened.push(store);
        return store;
      },
      async dispose() {
        for (const s of opened) await s.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const PG_URL = process.env['OMADM_TEST_PG_URL'] || undefined;
export const IN_CI = process.env['CI'] === 'true';
export const PG_MISSING =
  'PostgreSQL tests need a server: install Debian\'s `postgresql` package, start a cluster and set OMADM_TEST_PG_URL=postgres://user:password@127.0.0.1:PORT/db (.ci/run does this)';

let schemas = 0;

export const postgres: Backend = {
  name: 'postgres',
  async fresh() {
    if (PG_URL === undefined) throw new Error(PG_MISSING);
    const schema = `omadm_t${process.pid}_${Date.now().toString(36)}_${schemas++}`;
    const opened: Store[] = [];
    return {
      location: { backend: 'postgres', url: PG_URL, schema },
      async open(limits) {
        const store = await openPostgresStore(PG_URL, { schema, ...(limits ? { limits } : {}) });
        opened.push(store);
        return store;
      },
      async dispose() {
        for (const s of opened) await s.close().catch(() => undefined);
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        try {
          await client.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await client.end();
        }
      },
    };
  },
};

/** Tests that need PostgreSQL: run with OMADM_TEST_PG_URL, skipped locally without it
 * (saying why), failing under CI=true, where .ci/run always starts one. */
export function describePostgres(name: string, body: () => void): void {
  if (PG_URL !== undefined) describe(name, body);
  else if (IN_CI) {
    describe(name, () => {
      it('has a PostgreSQL server to run on', () => {
        throw new Error(PG_MISSING);
      });
    });
  } else {
    console.warn(`skipping "${name}": ${PG_MISSING}`);
    describe.skip(`${name} (skipped: ${PG_MISSING})`, body);
  }
}

/** Opens a database another process set up (see store-child.ts). */
export function openLocation(where: DatabaseLocation): Promise<Store> {
  return where.backend === 'sqlite' ? openSqliteStore(where.file) : openPostgresStore(where.url, { schema: where.schema });
}
