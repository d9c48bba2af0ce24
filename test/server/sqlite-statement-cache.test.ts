import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StatementCache } from '../../src/server/store/sqlite.js';

describe('SQLite prepared-statement cache', () => {
  it('prepares a statement once per SQL text and keeps at most its bound, dropping the least recently used', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const cache = new StatementCache(sqlite, 3);
    try {
      const a = cache.prepare('select 1 as n');
      expect(cache.prepare('select 1 as n')).toBe(a);
      cache.prepare('select 2 as n');
      cache.prepare('select 3 as n');
      expect(cache.prepare('select 1 as n')).toBe(a); // used again: now the newest
      cache.prepare('select 4 as n'); // drops "select 2"
      expect(cache.size).toBe(3);
      expect(cache.prepare('select 1 as n')).toBe(a);
      const two = cache.prepare('select 2 as n');
      expect(two.get()).toEqual({ n: 2 });
      expect(cache.size).toBe(3);
      for (let i = 0; i < 50; i++) cache.prepare(`select ${i + 10} as n`);
      expect(cache.size).toBe(3);
    } finally {
      cache.close();
    }
    expect(sqlite.open).toBe(false);
  });

  it('gives a fresh statement while the kept one is still iterating', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const cache = new StatementCache(sqlite);
    try {
      const sql = 'select value from json_each(?)';
      const kept = cache.prepare(sql);
      const rows = kept.iterate('[1,2,3]');
      expect(rows.next().value).toEqual({ value: 1 });
      const other = cache.prepare(sql);
      expect(other).not.toBe(kept);
      expect(other.all('[4]')).toEqual([{ value: 4 }]);
      expect([...rows]).toEqual([{ value: 2 }, { value: 3 }]);
      expect(cache.prepare(sql)).toBe(kept);
    } finally {
      cache.close();
    }
  });

  it('sees a schema change made after a statement was kept', () => {
    const sqlite = new BetterSqlite3(':memory:');
    const cache = new StatementCache(sqlite);
    try {
      cache.prepare('create table t (a integer)').run();
      cache.prepare('insert into t (a) values (?)').run(1);
      expect(cache.prepare('select * from t').all()).toEqual([{ a: 1 }]);
      cache.prepare('alter table t add column b text').run();
      expect(cache.prepare('select * from t').all()).toEqual([{ a: 1, b: null }]);
    } finally {
      cache.close();
    }
  });
});
