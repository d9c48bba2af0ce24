/**
 * Every fast-check property of a run starts from the seed that `global-seed.ts` chose and
 * printed; a property that fails prints it again with its counterexample path.
 */
import fc from 'fast-check';

const seed = Number(process.env['OMADM_FC_SEED']);
if (Number.isSafeInteger(seed)) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
