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
 *
 * The one connection is taken in turn (`Gate`, first come first served) by Kysely's
 * queries and transactions and by the store's units of work (`SqliteUnits`), which run
 * the queries of a DM message (compiled once, compiled.ts) on the connection directly:
 * better-sqlite3 is synchronous, so Kysely's machinery per query (about 20 µs) was most
 * of what a statement cost. While a unit holds the gate nothing else runs a statement,
 * so its transaction holds only its own statements.
 */
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult, type SqliteDatabase } from 'kysely';
import type { Database } from './schema.js';
import type { StoreLimits } from './types.js';
import { KyselyStore, type Units } from './kysely-store.js';
import type { Runner } from './compiled.js';
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
    const cache = new StatementCache(sqlite);
    const gate = new Gate();
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cache }, gate) });
    await migrate(db as Kysely<unknown>, 'sqlite');
    return new KyselyStore(db, 'sqlite', options.limits, undefined, new SqliteUnits(sqlite, cache, gate));
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

/** The one connection, taken in turn: first come, first served; one waiter woken at a time. */
export class Gate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  take(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the connection to the next waiter (it stays held), or frees it. */
  give(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.held = false;
  }
}

/** The store's units of work on the connection itself (see the header). */
class SqliteUnits implements Units {
  private readonly runner: Runner;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly cache: StatementCache,
    private readonly gate: Gate,
  ) {
    this.runner = {
      executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
        // As Kysely's SqliteConnection does, without its machinery.
        const statement = cache.prepare(query.sql);
        if (statement.reader) return Promise.resolve({ rows: statement.all(query.parameters as unknown[]) as R[] });
        const { changes } = statement.run(query.parameters as unknown[]);
        return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes) });
      },
    };
  }

  async run<T>(work: (db: Runner) => Promise<T>, transaction: boolean): Promise<T> {
    await this.gate.take();
    try {
      if (!transaction) return await work(this.runner);
      this.cache.prepare('begin immediate').run();
      try {
        const result = await work(this.runner);
        this.cache.prepare('commit').run();
        return result;
      } catch (e) {
        if (this.sqlite.inTransaction) this.cache.prepare('rollback').run();
        throw e;
      }
    } finally {
      this.gate.give();
    }
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly gate: Gate,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.gate.take();
    try {
      return await super.acquireConnection();
    } catch (e) {
      this.gate.give();
      throw e;
    }
  }

  override async releaseConnection(): Promise<void> {
    try {
      await super.releaseConnection();
    } finally {
      this.gate.give();
    }
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly gate: Gate,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.gate);
  }
}
