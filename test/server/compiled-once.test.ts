import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compileOnce, compileOncePerCount, MAX_SHAPES } from '../../src/server/store/compiled.js';

interface Db {
  t: { id: number; name: string; n: number };
}

describe('queries built and compiled once', () => {
  it('build once, then run with each call\'s arguments in place of the slots, as the query built anew would', async () => {
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      await db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').addColumn('n', 'integer').execute();
      let built = 0;
      const insert = compileOnce((id: number, name: string) => {
        built++;
        return db.insertInto('t').values({ id, name, n: 7 });
      });
      const byName = compileOnce((name: string, below: number) => db.selectFrom('t').selectAll().where('name', '=', name).where('id', '<', below).orderBy('id'));
      for (let i = 1; i <= 4; i++) await insert(db, i, i % 2 ? 'odd' : 'even');
      expect(built).toBe(1);
      expect((await byName(db, 'odd', 4)).rows).toEqual([
        { id: 1, name: 'odd', n: 7 },
        { id: 3, name: 'odd', n: 7 },
      ]);
      expect((await byName(db, 'even', 10)).rows).toEqual(await db.selectFrom('t').selectAll().where('name', '=', 'even').where('id', '<', 10).orderBy('id').execute());
      await db.transaction().execute(async (trx) => {
        await insert(trx, 5, 'odd');
      });
      expect((await byName(db, 'odd', 10)).rows.map((r) => r.id)).toEqual([1, 3, 5]);
    } finally {
      await db.destroy();
    }
  });

  it('refuses a query where an argument is not a parameter of its own', async () => {
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      const unused = compileOnce((id: number, _name: string) => db.selectFrom('t').selectAll().where('id', '=', id));
      await expect(unused(db, 1, 'x')).rejects.toThrow(/uses 1 of its 2 arguments/);
      const twice = compileOnce((id: number) => db.selectFrom('t').selectAll().where('id', '=', id).where('n', '=', id));
      await expect(twice(db, 1)).rejects.toThrow(/uses 2 of its 1 arguments/);
    } finally {
      await db.destroy();
    }
  });

  it('a query shaped by its argument count (an in list) is built once per count, and beyond MAX_SHAPES counts at every call, with the same rows', async () => {
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      await db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'text').addColumn('n', 'integer').execute();
      for (let id = 1; id <= MAX_SHAPES + 10; id++) await db.insertInto('t').values({ id, name: String(id), n: id % 3 }).execute();
      let built = 0;
      // Arguments: n, then the ids.
      const pick = compileOncePerCount((slots) => {
        built++;
        return db.selectFrom('t').select('id').where('n', '=', slots[0] as number).where('id', 'in', slots.slice(1) as number[]).orderBy('id');
      });
      expect((await pick(db, [1, 1, 2, 4, 7])).rows.map((r) => r.id)).toEqual([1, 4, 7]);
      expect((await pick(db, [2, 2, 5, 8, 9])).rows.map((r) => r.id)).toEqual([2, 5, 8]);
      expect(built).toBe(1);
      expect((await pick(db, [0, 3])).rows.map((r) => r.id)).toEqual([3]);
      expect(built).toBe(2);
      for (let count = 3; count <= MAX_SHAPES + 4; count++) {
        const ids = Array.from({ length: count }, (_, k) => k + 1);
        expect((await pick(db, [0, ...ids])).rows.map((r) => r.id)).toEqual(ids.filter((id) => id % 3 === 0));
      }
      const before = built;
      await pick(db, [0, ...Array.from({ length: MAX_SHAPES + 4 }, (_, k) => k + 1)]);
      // Past the bound: built again at each call, not kept.
      expect(built).toBe(before + 1);
      await expect(compileOncePerCount((slots) => db.selectFrom('t').selectAll().where('id', '=', slots[0] as number))(db, [1, 2])).rejects.toThrow(/uses 1 of its 2 arguments/);
    } finally {
      await db.destroy();
    }
  });
});
