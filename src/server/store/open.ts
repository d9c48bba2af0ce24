/**
 * One string names the database, as `--db` takes it: `sqlite:FILE` (or a path ending in
 * .db/.sqlite, or `:memory:`) and `postgres://…` / `postgresql://…`.
 */
import type { Store } from './store.js';
import type { StoreLimits } from './types.js';
import { StoreConfigError } from './errors.js';
import { openSqliteStore } from './sqlite.js';
import { openPostgresStore } from './postgres.js';

export type StoreLocation = { readonly backend: 'sqlite'; readonly file: string } | { readonly backend: 'postgres'; readonly url: string };

export function parseStoreLocation(text: string): StoreLocation {
  if (/^postgres(ql)?:\/\//.test(text)) return { backend: 'postgres', url: text };
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length);
    if (file === '') throw new StoreConfigError('sqlite: needs a file name (or :memory:)');
    return { backend: 'sqlite', file };
  }
  if (text === ':memory:' || /\.(db|sqlite3?)$/.test(text)) return { backend: 'sqlite', file: text };
  throw new StoreConfigError(`${JSON.stringify(text)} names no database: use sqlite:FILE or postgres://…`);
}

export async function openStore(text: string, options: { readonly limits?: Partial<StoreLimits>; readonly schema?: string } = {}): Promise<Store> {
  const where = parseStoreLocation(text);
  return where.backend === 'sqlite' ? openSqliteStore(where.file, options) : openPostgresStore(where.url, options);
}
