/**
 * The embedded backend: one SQLite file (or `:memory:`) through better-sqlite3, for a
 * single server process. WAL lets readers (the CLI beside a running `serve`) work while
 * the server writes; foreign keys are on so deleting a device takes its rows with it.
 * Transactions begin IMMEDIATE: one that reads and then writes cannot be overtaken by
 * another process's write between the two (a deferred one would fail with SQLITE_BUSY).
 *
 * Durability: `synchronous = NORMAL` in WAL mode. A commit is written to the WAL file
 * before the call returns, so a crash of the process (even SIGKILL) loses nothing that
 * was acknowledged: the OS holds the written pages and the next open replays the WAL.
 * What NORMAL gives up is the fsync at every commit: an OS crash or a power loss may lose
 * the last commits (never corrupt the file; SQLite fsyncs at each checkpoint). FULL
 * would fsync per commit, which the server bench showed to be a large share of a DM
 * message's cost. `:memory:` databases have no WAL and nothing to sync.
 *
 * Kysely's SQLite driver prepares every statement anew; `StatementCache` keeps the
 * prepared statements by their SQL text (at most STATEMENT_CACHE_SIZE of them, the least
 * recently used dropped first), so a hot query is parsed and planned once.
 */
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase } from 'kysely';
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
    if (file !== ':memory:' && file !== '') {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
    }
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: new StatementCache(sqlite) }) });
    await migrate(db as Kysely<unknown>, 'sqlite');
    return new KyselyStore(db, 'sqlite', options.limits);
  } catch (e) {
    sqlite.close();
    throw e;
  }
}

/** At most this many prepared statements are kept per database. */
export const STATEMENT_CACHE_SIZE = 256;

type Statement = BetterSqlite3.Statement<unknown[]>;

/** The database as Kysely sees it, with its prepared statements kept by SQL text. */
export class StatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly max = STATEMENT_CACHE_SIZE,
  ) {}

  /** How many statements are kept (for the tests). */
  get size(): number {
    return this.statements.size;
  }

  prepare(sql: string): Statement {
    const kept = this.statements.get(sql);
    // A statement still iterating (a streamed query) cannot run again: prepare another.
    if (kept !== undefined && !kept.busy) {
      // Most recently used last, so the first one in the map is the one to drop.
      this.statements.delete(sql);
      this.statements.set(sql, kept);
      return kept;
    }
    const statement = this.sqlite.prepare(sql);
    if (kept === undefined) {
      this.statements.set(sql, statement);
      if (this.statements.size > this.max) this.statements.delete(this.statements.keys().next().value!);
    }
    return statement;
  }

  close(): void {
    this.statements.clear();
    this.sqlite.close();
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
