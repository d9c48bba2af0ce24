/**
 * Restoring a session from its snapshot (endpoint.ts `snapshot()`): the snapshot is plain
 * data; what cannot be data (the credential store, the random source, the secrets it
 * holds) comes back through the configuration given to `restore`.
 *
 * A session restored from `JSON.parse(JSON.stringify(session.snapshot()))` with the same
 * configuration sends exactly the bytes the original would have sent from then on.
 */
import type { OutgoingPackageSnapshot } from './packing.js';
import { OutgoingPackage } from './packing.js';
import { IncomingLargeObjects, type IncomingLargeObjectsSnapshot } from './large-object.js';
import { AuthProver, AuthVerifier, type ProverRestoreOptions, type VerifierRestoreOptions } from './auth/authenticator.js';
import type { EndpointConfig, EndpointSnapshot } from './endpoint.js';

/**
 * The configuration of a restored session: as for a new one, except that authentication
 * comes as what the machines need to continue (their state is in the snapshot).
 */
export type RestoreConfig = Omit<EndpointConfig, 'verifier' | 'prover'> & {
  readonly verifier?: VerifierRestoreOptions;
  readonly prover?: ProverRestoreOptions;
};

/** The configuration and the parts of a session, rebuilt from its snapshot. */
export function restoreParts(
  s: EndpointSnapshot,
  config: RestoreConfig,
): { config: EndpointConfig; out: OutgoingPackage; incoming: IncomingLargeObjects } {
  const { verifier, prover, ...rest } = config;
  const full: EndpointConfig = {
    ...rest,
    ...(s.verifier !== undefined && verifier ? { verifier: AuthVerifier.restore(s.verifier, verifier) } : {}),
    ...(s.prover !== undefined && prover ? { prover: AuthProver.restore(s.prover, prover) } : {}),
  };
  return {
    config: full,
    out: OutgoingPackage.restore(s.outgoing as OutgoingPackageSnapshot),
    incoming: IncomingLargeObjects.restore(s.incoming as IncomingLargeObjectsSnapshot, config.maxObjSize),
  };
}
