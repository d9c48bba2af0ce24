/**
 * The store suite on both backends. PostgreSQL needs OMADM_TEST_PG_URL: without it the
 * PostgreSQL half is skipped locally (with a message naming Debian's `postgresql`) and
 * fails under CI=true, where .ci/run always provides one.
 */
import { storeSuite } from './store-suite.js';
import { describePostgres, postgres, sqlite } from './databases.js';

storeSuite(sqlite);
describePostgres('store suite on postgres', () => storeSuite(postgres));
