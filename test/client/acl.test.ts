import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACL_COMMANDS, formatAcl, grants, parseAcl, withoutServer } from '../../src/client/tree/acl.js';
import { isTreeError } from '../../src/client/tree/errors.js';

describe('ACL grammar (TND 7.7.1.5)', () => {
  it('parses entries joined by & with ids joined by +, and * for every server', () => {
    const acl = parseAcl('Add=www.sonera.fi-8765&Delete=www.sonera.fi-8765&Replace=www.sonera.fi-8765+321_&Get=*');
    expect(acl.get('Replace')).toEqual(['www.sonera.fi-8765', '321_']);
    expect(grants(acl, 'Get', 'anyone')).toBe(true);
    expect(grants(acl, 'Replace', '321_')).toBe(true);
    expect(grants(acl, 'Exec', 'www.sonera.fi-8765')).toBe(false);
    expect(formatAcl(acl)).toBe('Add=www.sonera.fi-8765&Delete=www.sonera.fi-8765&Get=*&Replace=www.sonera.fi-8765+321_');
  });

  it('lets * override named ids', () => {
    expect(grants(parseAcl('Get=a+*'), 'Get', 'b')).toBe(true);
  });

  it('refuses unknown commands, missing ids and ids with = & * + or spaces (400)', () => {
    for (const bad of ['Copy=a', 'Get', 'Get=', 'Get=a b', 'Get=a+', 'Get=a*b', '&Get=a', 'get=a']) {
      let status: number | undefined;
      try {
        parseAcl(bad);
      } catch (e) {
        if (isTreeError(e)) status = e.status;
      }
      expect(status, bad).toBe(400);
    }
  });

  it('an empty ACL is no entries (it inherits)', () => {
    expect(parseAcl('').size).toBe(0);
  });

  it('removing the last server of a root entry leaves *', () => {
    const acl = withoutServer(parseAcl('Add=s1&Get=s1+s2'), 's1', true);
    expect(formatAcl(acl)).toBe('Add=*&Get=s2');
    expect(formatAcl(withoutServer(parseAcl('Add=s1&Get=s1+s2'), 's1', false))).toBe('Get=s2');
  });

  it('format then parse is the identity on parsed ACLs', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,8}$/);
    const acl = fc.dictionary(fc.constantFrom(...ACL_COMMANDS), fc.uniqueArray(fc.oneof(id, fc.constant('*')), { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(acl, (entries) => {
        const text = formatAcl(new Map(Object.entries(entries)) as never);
        expect(formatAcl(parseAcl(text))).toBe(text);
      }),
    );
  });
});
