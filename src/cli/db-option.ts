/**
 * `--db sqlite:FILE | postgres://…`: the database of the server verbs (serve, device, job,
 * notify). Every such verb reads the same one, so a person can `omadm device add` into the
 * database `omadm serve` runs on. Default: `OMADM_DB` from the environment, else
 * `sqlite:omadm.db` in the current directory.
 */
import { openStore, parseStoreLocation } from '../server/store/open.js';
import type { Store } from '../server/store/store.js';
import { valueParser } from './verb.js';

export const DB_FLAGS = '--db <DB>';
export const DB_HELP = 'The database: sqlite:FILE or postgres://USER@HOST/NAME (default $OMADM_DB, else sqlite:omadm.db)';
export const DEFAULT_DB = 'sqlite:omadm.db';

/** Refuses, at parse time, a value that names no database. */
export const parseDb = valueParser(DB_FLAGS.split(' ')[0]!, 'sqlite:FILE or postgres://…', (v) => {
  try {
    parseStoreLocation(v);
    return v;
  } catch {
    return undefined;
  }
});

/** The database the options name: `--db`, else $OMADM_DB, else the default. */
export function dbOf(options: { db?: string | undefined }, env: NodeJS.ProcessEnv = process.env): string {
  return options.db ?? (env['OMADM_DB'] || DEFAULT_DB);
}

/** Opens the store named by the options (migrations run on first open). */
export function openDb(options: { db?: string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  return openStore(dbOf(options, env));
}
