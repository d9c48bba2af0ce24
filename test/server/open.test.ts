/** The `--db` string: which backend and where, or a clear refusal. */
import { describe, expect, it } from 'vitest';
import { isStoreConfigError, openStore, parseStoreLocation } from '../../src/server/store/index.js';

describe('store location', () => {
  it('names SQLite files and PostgreSQL URLs', () => {
    expect(parseStoreLocation('sqlite:/var/lib/omadm/omadm.db')).toEqual({ backend: 'sqlite', file: '/var/lib/omadm/omadm.db' });
    expect(parseStoreLocation('sqlite::memory:')).toEqual({ backend: 'sqlite', file: ':memory:' });
    expect(parseStoreLocation('./omadm.sqlite')).toEqual({ backend: 'sqlite', file: './omadm.sqlite' });
    expect(parseStoreLocation('postgres://u:p@127.0.0.1:5432/omadm')).toEqual({ backend: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/omadm' });
    expect(parseStoreLocation('postgresql://127.0.0.1/omadm')).toEqual({ backend: 'postgres', url: 'postgresql://127.0.0.1/omadm' });
  });

  it('refuses what names no database', () => {
    for (const text of ['', 'sqlite:', 'mysql://x/y', 'omadm']) {
      let error: unknown;
      try {
        parseStoreLocation(text);
      } catch (e) {
        error = e;
      }
      expect(isStoreConfigError(error), text).toBe(true);
    }
  });

  it('opens an in-memory SQLite store with its schema in place', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      expect(store.backend).toBe('sqlite');
      expect(await store.listDevices()).toEqual([]);
      expect(await store.jobCounts()).toEqual({ queued: 0, sent: 0, done: 0, failed: 0, expired: 0, cancelled: 0 });
    } finally {
      await store.close();
    }
  });
});
