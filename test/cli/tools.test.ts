import { describe, expect, it } from 'vitest';
import { inCI, tool } from '../helpers/tools.js';

describe('test/helpers/tools.ts: one rule for missing interop tools', () => {
  it('a missing tool is skipped locally, with the Debian package named', () => {
    const t = tool('xml2wbxml', { installed: false, env: {} });
    expect(t.skip).toBe(true);
    expect(t.missingMessage).toBe('xml2wbxml is not installed (Debian: apt-get install libwbxml2-utils)');
  });

  it('a missing tool is not skipped in CI: the tests that need it fail there', () => {
    expect(inCI({ CI: 'true' })).toBe(true);
    expect(tool('xmllint', { installed: false, env: { CI: 'true' } }).skip).toBe(false);
    expect(tool('java', { installed: false, env: { CI: 'true' } }).debianPackage).toBe('default-jdk-headless');
  });

  it('an installed tool is never skipped', () => {
    expect(tool('wbxml2xml', { installed: true, env: {} }).skip).toBe(false);
    expect(inCI({})).toBe(false);
  });
});
