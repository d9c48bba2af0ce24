import { describe, expect, it } from 'vitest';
import { formatUri, parseUri } from '../../src/client/tree/uri.js';
import { isTreeError } from '../../src/client/tree/errors.js';

const open = { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 };

function status(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (isTreeError(e)) return e.status;
    throw e;
  }
  return undefined;
}

describe('tree URIs (TND)', () => {
  it('reads relative URIs with and without ./, the root, properties and lists', () => {
    expect(parseUri('.', open)).toEqual({ segments: [] });
    expect(parseUri('./DevInfo/Mod', open)).toEqual({ segments: ['DevInfo', 'Mod'] });
    expect(parseUri('DevInfo/Mod', open)).toEqual({ segments: ['DevInfo', 'Mod'] });
    expect(parseUri('./DMAcc/x?prop=ACL', open)).toEqual({ segments: ['DMAcc', 'x'], prop: 'ACL' });
    expect(parseUri('./DevDetail?list=Struct', open)).toEqual({ segments: ['DevDetail'], list: 'Struct' });
  });

  it('refuses a trailing slash, ./ for the root, empty, . and .. segments, absolute URIs (400)', () => {
    for (const bad of ['./A/', './', './A//B', './A/../B', './A/./B', '/A', '', './A?x=1', './A?prop=']) {
      expect(status(() => parseUri(bad, open)), bad).toBe(400);
    }
  });

  it('decodes %-escapes in names, never into a "/", and writes them back', () => {
    expect(parseUri('./A%20B/c%3Fd', open).segments).toEqual(['A B', 'c?d']);
    expect(status(() => parseUri('./A%2FB', open))).toBe(400);
    expect(status(() => parseUri('./A%zz', open))).toBe(400);
    expect(formatUri(['A B', 'c?d', '50%'])).toBe('./A%20B/c%3Fd/50%25');
    expect(parseUri(formatUri(['A B', 'c?d', '50%']), open).segments).toEqual(['A B', 'c?d', '50%']);
  });

  it('answers 414 beyond MaxDepth, MaxTotLen or MaxSegLen, and 0 means no limit', () => {
    const limits = { maxDepth: 2, maxTotLen: 20, maxSegLen: 5 };
    expect(parseUri('./ab/cd', limits).segments).toEqual(['ab', 'cd']);
    expect(status(() => parseUri('./a/b/c', limits))).toBe(414);
    expect(status(() => parseUri('./abcdef', limits))).toBe(414);
    expect(status(() => parseUri('./abcde/abcde?prop=ACL', limits))).toBe(414);
    expect(parseUri(`./${'a'.repeat(500)}`, open).segments[0]).toHaveLength(500);
  });
});
