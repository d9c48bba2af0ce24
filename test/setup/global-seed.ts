/**
 * Chooses the fast-check seed of the whole run once, before any test file starts, and
 * prints it: a run that failed is replayed with `OMADM_FC_SEED=<seed> npm test`.
 * The workers read it back in `fast-check-seed.ts`.
 */
export default function setup(): void {
  const given = process.env['OMADM_FC_SEED'];
  const seed = given !== undefined && given !== '' ? Number(given) : (Math.random() * 0x7fffffff) | 0;
  if (!Number.isSafeInteger(seed)) throw new Error(`OMADM_FC_SEED must be an integer, not ${JSON.stringify(given)}`);
  process.env['OMADM_FC_SEED'] = String(seed);
  console.log(`fast-check seed ${seed} (replay with OMADM_FC_SEED=${seed} npm test)`);
}
