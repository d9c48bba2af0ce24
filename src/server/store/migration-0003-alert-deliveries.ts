/**
 * Migration 0003: who has taken each stored alert, per handler, kept in the database so
 * several server processes share it (alerts/dispatch.ts). One row per alert and handler:
 * its state (pending, delivered, given-up), the failed deliveries so far, and the claim
 * of the process delivering it now (an owner and a lease: one process at a time). The
 * rows go with their alert (foreign key, cascade), so they are as bounded as the alerts.
 */
import type { Kysely, Migration } from 'kysely';
import type { Backend } from './kysely-store.js';

export function alertDeliveriesMigration(backend: Backend): Migration {
  const idType = backend === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alert_deliveries')
        .addColumn('alert_id', idType, (c) => c.notNull().references('alerts.id').onDelete('cascade'))
        .addColumn('handler', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('claimed_until', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_deliveries_pk', ['alert_id', 'handler'])
        .execute();
    },
  };
}
