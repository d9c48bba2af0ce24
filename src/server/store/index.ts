/** The server's persistence: one Store interface, SQLite and PostgreSQL backends. */
export * from './errors.js';
export * from './secret.js';
export * from './types.js';
export * from './job-spec.js';
export * from './job-states.js';
export type * from './store.js';
export { openSqliteStore, type SqliteOptions } from './sqlite.js';
export { openPostgresStore, type PostgresOptions } from './postgres.js';
export { openStore, parseStoreLocation, type StoreLocation } from './open.js';
