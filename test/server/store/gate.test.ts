/**
 * The SQLite store's gate (sqlite.ts): the one connection is taken in turn, first come
 * first served, one waiter woken at a time, by Kysely's queries and the store's units of
 * work alike.
 */
import { describe, expect, it } from 'vitest';
import { Gate } from '../../../src/server/store/sqlite.js';

describe('the SQLite connection gate', () => {
  it('hands the connection to the waiters in the order they came, one at a time', async () => {
    const gate = new Gate();
    const order: string[] = [];
    let holding = 0;
    let most = 0;
    const use = async (name: string, turns: number): Promise<void> => {
      await gate.take();
      holding++;
      most = Math.max(most, holding);
      order.push(name);
      for (let i = 0; i < turns; i++) await Promise.resolve();
      holding--;
      gate.give();
    };
    await Promise.all([use('a', 3), use('b', 0), use('c', 5), use('d', 1), use('e', 0)]);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(most).toBe(1);
  });

  it('is free again once the last holder gives it back', async () => {
    const gate = new Gate();
    await gate.take();
    gate.give();
    let taken = false;
    void gate.take().then(() => (taken = true));
    await Promise.resolve();
    expect(taken).toBe(true);
  });
});
