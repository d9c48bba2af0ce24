/**
 * The embedded backend: one SQLite file (or `:memory:`) through better-sqlite3, for a
 * single server process. WAL lets readers (the CLI beside a running `serve`) work while
 * the server writes; foreign keys are on so deleting a device takes its rows with it.
 * Transactions begin IMMEDIATE: one that reads and then writes cannot be overtaken by
 * another process's write between the two (a deferred one would fail with SQLITE_BUSY).
 */
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import type { Database } from './schema.js';
import type { StoreLimits } from './types.js';
import { KyselyStore } from './kysely-store.js';
import { migrate } from './migrations.js';

export interface SqliteOptions {
  readonly limits?: Partial<StoreLimits>;
  /** How long a statement waits for another process's write lock, in ms. */
  readonly busyTimeoutMs?: number;
}

export async function openSqliteStore(file: string, options: SqliteOptions = {}): Promise<KyselyStore> {
  const sqlite = new BetterSqlite3(file);
  try {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (file !== ':memory:' && file !== '') sqlite.pragma('journal_mode = WAL');
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    await migrate(db as Kysely<unknown>, 'sqlite');
    return new KyselyStore(db, 'sqlite', options.limits);
  } catch (e) {
    sqlite.close();
    throw e;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config);
  }
}
