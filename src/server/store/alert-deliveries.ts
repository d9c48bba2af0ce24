/**
 * The alert_deliveries table (migration 0003) for KyselyStore: one claimant at a time per
 * alert and handler, across processes. Each change is one statement, so it is atomic on
 * both backends without a transaction: the claim is an insert that, on conflict, takes
 * the row over only when it is pending and its lease ran out (`ON CONFLICT … DO UPDATE …
 * WHERE`, which SQLite and PostgreSQL both have); the settlement is an update that names
 * the owner, so a process whose lease ran out cannot settle what another one took.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AlertDeliveryTable, Database } from './schema.js';
import type { AlertDelivery, AlertDeliveryState } from './types.js';
import { StoreInputError } from './errors.js';

const STATES: readonly AlertDeliveryState[] = ['pending', 'delivered', 'given-up'];
/** Handler names are the dispatcher's (short); owners are a process's random id. */
const MAX_NAME = 200;

function toDelivery(row: Selectable<AlertDeliveryTable>): AlertDelivery {
  return {
    alertId: Number(row.alert_id),
    handler: row.handler,
    state: row.state as AlertDeliveryState,
    failures: Number(row.failures),
    ...(row.claimed_by !== null ? { claimedBy: row.claimed_by } : {}),
    claimedUntil: Number(row.claimed_until),
    updatedAt: Number(row.updated_at),
  };
}

function checkNames(handler: string, owner: string): void {
  if (handler === '' || handler.length > MAX_NAME) throw new StoreInputError('handler', `1 to ${MAX_NAME} characters`);
  if (owner === '' || owner.length > MAX_NAME) throw new StoreInputError('owner', `1 to ${MAX_NAME} characters`);
}

export async function claimAlertDelivery(db: Kysely<Database>, alertId: number, handler: string, owner: string, now: number, leaseMs: number): Promise<AlertDelivery | undefined> {
  checkNames(handler, owner);
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0) throw new StoreInputError('leaseMs', 'a positive integer');
  const until = now + leaseMs;
  try {
    const row = await db
      .insertInto('alert_deliveries')
      .values({ alert_id: alertId, handler, state: 'pending', failures: 0, claimed_by: owner, claimed_until: until, updated_at: now })
      .onConflict((oc) =>
        oc
          .columns(['alert_id', 'handler'])
          .doUpdateSet({ claimed_by: owner, claimed_until: until, updated_at: now })
          .where('alert_deliveries.state', '=', 'pending')
          .where('alert_deliveries.claimed_until', '<=', now),
      )
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toDelivery(row);
  } catch (e) {
    if (isForeignKeyViolation(e)) throw new StoreInputError('alertId', `no alert ${alertId}`);
    throw e;
  }
}

export async function settleAlertDelivery(db: Kysely<Database>, alertId: number, handler: string, owner: string, state: AlertDeliveryState, failed: boolean, now: number): Promise<AlertDelivery | undefined> {
  checkNames(handler, owner);
  if (!STATES.includes(state)) throw new StoreInputError('state', `one of ${STATES.join(', ')}`);
  const row = await db
    .updateTable('alert_deliveries')
    .set((eb) => ({ state, failures: failed ? eb('failures', '+', 1) : eb.ref('failures'), claimed_by: null, claimed_until: now, updated_at: now }))
    .where('alert_id', '=', alertId)
    .where('handler', '=', handler)
    .where('claimed_by', '=', owner)
    .where('state', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toDelivery(row);
}

export async function alertDeliveries(db: Kysely<Database>, alertId: number): Promise<AlertDelivery[]> {
  const rows = await db.selectFrom('alert_deliveries').selectAll().where('alert_id', '=', alertId).orderBy('handler').execute();
  return rows.map(toDelivery);
}

function isForeignKeyViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
