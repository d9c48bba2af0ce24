/**
 * The schema's history, applied in order on first start (and on every start, which then
 * finds nothing to do). Written once with Kysely's schema builder for both backends; the
 * only difference is how an id column grows. Never edit a migration that shipped: add one.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Backend } from './kysely-store.js';
import { StoreConfigError } from './errors.js';
import { alertDeliveriesMigration } from './migration-0003-alert-deliveries.js';

type IdColumn = Parameters<ReturnType<Kysely<unknown>['schema']['createTable']>['addColumn']>[2];

function migrations(backend: Backend): Record<string, Migration> {
  const id: IdColumn = backend === 'postgres' ? (c) => c.primaryKey().generatedByDefaultAsIdentity() : (c) => c.primaryKey().autoIncrement();
  const idType = backend === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('devices')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('server_id', 'text', (c) => c.notNull())
          .addColumn('client_scheme', 'text', (c) => c.notNull())
          .addColumn('client_name', 'text')
          .addColumn('client_secret', 'text')
          .addColumn('server_scheme', 'text', (c) => c.notNull())
          .addColumn('server_name', 'text')
          .addColumn('server_secret', 'text')
          .addColumn('accepted_schemes', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('device_nonces')
          .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
          .addColumn('nonce_to_use', 'text')
          .addColumn('expected_nonce', 'text')
          .addColumn('previous_expected_nonce', 'text')
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('ref', idType, id)
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('snapshot', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('last_activity', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('ended_at', 'bigint')
          .addColumn('outcome', 'text')
          .addColumn('messages', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        // One live session per device, kept by the database itself (two processes may race).
        await db.schema.createIndex('sessions_one_live').on('sessions').column('device_id').unique().where(sql.ref('ended_at'), 'is', null).execute();
        await db.schema.createIndex('sessions_by_device').on('sessions').columns(['device_id', 'ref']).execute();
        await db.schema.createIndex('sessions_live_expiry').on('sessions').column('expires_at').where(sql.ref('ended_at'), 'is', null).execute();
        await db.schema
          .createTable('transcripts')
          .addColumn('id', idType, id)
          .addColumn('session_ref', idType, (c) => c.notNull().references('sessions.ref').onDelete('cascade'))
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('direction', 'text', (c) => c.notNull())
          .addColumn('msg_id', 'text', (c) => c.notNull())
          .addColumn('content_type', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('size', 'integer', (c) => c.notNull())
          .addColumn('truncated', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('transcripts_by_session').on('transcripts').columns(['session_ref', 'id']).execute();
        await db.schema
          .createTable('jobs')
          .addColumn('id', idType, id)
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('session_ref', idType)
          .addColumn('sent_at', 'bigint')
          .addColumn('last_error', 'text')
          .execute();
        await db.schema.createIndex('jobs_by_device').on('jobs').columns(['device_id', 'state', 'id']).execute();
        await db.schema.createIndex('jobs_by_session').on('jobs').column('session_ref').execute();
        await db.schema
          .createTable('job_results')
          .addColumn('id', idType, (c) => c.primaryKey())
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('session_ref', idType)
          .addColumn('sent_at', 'bigint')
          .addColumn('last_error', 'text')
          .addColumn('finished_at', 'bigint', (c) => c.notNull())
          .addColumn('status_code', 'integer')
          .addColumn('outcome', 'text')
          .execute();
        await db.schema.createIndex('job_results_by_device').on('job_results').columns(['device_id', 'id']).execute();
        await db.schema
          .createTable('alerts')
          .addColumn('id', idType, id)
          .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
          .addColumn('session_ref', idType)
          .addColumn('code', 'integer', (c) => c.notNull())
          .addColumn('correlator', 'text')
          .addColumn('mark', 'text')
          .addColumn('items', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('handled_at', 'bigint')
          .execute();
        await db.schema.createIndex('alerts_by_device').on('alerts').columns(['device_id', 'id']).execute();
        await db.schema.createIndex('alerts_unhandled').on('alerts').column('id').where(sql.ref('handled_at'), 'is', null).execute();
        await db.schema
          .createTable('auth_failures')
          .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('window_start', 'bigint', (c) => c.notNull())
          .addColumn('locked_until', 'bigint')
          .execute();
      },
    },
    // The session a Package#0 announced to a device, so the server can expect it (Alert
    // 1200 with that SessionID). One row per device: the latest announcement.
    '0002_announced_sessions': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('announced_sessions')
          .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('ui_mode', 'integer', (c) => c.notNull())
          .addColumn('initiator', 'integer', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003_alert_deliveries': alertDeliveriesMigration(backend),
    // Every claim first looks for the device's jobs whose expiry passed: with this index
    // that look reads only jobs that have an expiry (most have none), not every job of
    // the device.
    '0004_jobs_expiring': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema.createIndex('jobs_expiring').on('jobs').columns(['device_id', 'expires_at']).where(sql.ref('expires_at'), 'is not', null).execute();
      },
    },
    // The large object a device is sending in chunks, kept a piece per message beside the
    // session's snapshot instead of whole in every snapshot (incoming-object-keeper.ts).
    '0005_received_chunks': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('received_chunks')
          .addColumn('session_ref', idType, (c) => c.notNull().references('sessions.ref').onDelete('cascade'))
          .addColumn('object', 'integer', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('received_chunks_pk', ['session_ref', 'object', 'seq'])
          .execute();
      },
    },
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly backend: Backend) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.backend);
  }
}

/** Brings the database up to the latest schema; names the migration that failed. On
 * PostgreSQL several processes may start at once on an empty database: they take turns
 * under an advisory lock (per schema), since creating Kysely's own migration tables is
 * not safe to race. SQLite's file lock already serialises them. */
export async function migrate(db: Kysely<unknown>, backend: Backend): Promise<string[]> {
  if (backend === 'sqlite') return migrateNow(db, backend);
  return db.connection().execute(async (conn) => {
    const key = sql`hashtext('omadm migrations ' || current_schema())`;
    await sql`select pg_advisory_lock(${key})`.execute(conn);
    try {
      // Kysely looks its bookkeeping tables up in every schema unless told which one: name
      // ours, or another schema's tables (a second omadm in the same database) would count.
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
      return await migrateNow(conn, backend, rows[0]?.schema);
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(conn);
    }
  });
}

async function migrateNow(db: Kysely<unknown>, backend: Backend, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(backend),
    migrationTableName: 'omadm_migrations',
    migrationLockTableName: 'omadm_migration_lock',
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined) throw new StoreConfigError(`migration ${failed?.migrationName ?? '(none)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
