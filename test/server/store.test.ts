/**
 * The store suite on both backends. PostgreSQL needs OMADM_TEST_PG_URL: without it the
 * PostgreSQL half is skipped locally (with a message naming Debian's `postgresql`) and
 * fails under CI=true, where .ci/run always provides one.
 */
import { describe, it } from 'vitest';
import { storeSuite } from './store-suite.js';
import { IN_CI, PG_MISSING, PG_URL, postgres, sqlite } from './databases.js';

storeSuite(sqlite);

if (PG_URL !== undefined) storeSuite(postgres);
else if (IN_CI) {
  describe('store on postgres', () => {
    it('has a PostgreSQL server to run on', () => {
      throw new Error(PG_MISSING);
    });
  });
} else {
  console.warn(`skipping the store suite on PostgreSQL: ${PG_MISSING}`);
  describe.skip(`store on postgres (skipped: ${PG_MISSING})`, () => {
    it('runs the store suite', () => undefined);
  });
}
