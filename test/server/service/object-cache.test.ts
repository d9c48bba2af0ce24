import { describe, expect, it } from 'vitest';
import { ObjectCache } from '../../../src/server/service/object-cache.js';

describe('the large-object keepers\' cache', () => {
  it('keeps at most its entries and its code units, dropping the least recently kept first', () => {
    const cache = new ObjectCache<number, { data: string }>(3, 10);
    for (let k = 1; k <= 4; k++) cache.set(k, { data: 'ab' });
    expect(cache.size).toBe(3);
    expect(cache.get(1)).toBeUndefined();
    // Kept again, 2 is the most recent: 3 goes first, and then 4 and 5 fit (10 code units).
    cache.set(2, { data: 'cd' });
    cache.set(5, { data: 'efghij' });
    expect([2, 3, 4, 5].map((k) => cache.get(k)?.data)).toEqual(['cd', undefined, 'ab', 'efghij']);
    // Two code units more: 4 goes too.
    cache.set(6, { data: 'kl' });
    expect([2, 4, 5, 6].map((k) => cache.get(k)?.data)).toEqual(['cd', undefined, 'efghij', 'kl']);
    // Larger than the whole bound: not kept, and the entry of that key is gone.
    cache.set(2, { data: 'x'.repeat(11) });
    expect(cache.get(2)).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('forgets the entries it is told to, and counts their code units back', () => {
    const cache = new ObjectCache<string, { data: string }>(10, 6);
    cache.set('1:a', { data: 'aaa' });
    cache.set('1:b', { data: 'bbb' });
    cache.deleteWhere((k) => k.startsWith('1:'));
    expect(cache.size).toBe(0);
    cache.set('2:a', { data: 'cccccc' });
    expect(cache.get('2:a')?.data).toBe('cccccc');
    cache.delete('2:a');
    cache.delete('2:a');
    cache.set('3:a', { data: 'dddddd' });
    expect(cache.size).toBe(1);
  });
});
