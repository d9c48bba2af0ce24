/**
 * Typed errors of the authentication layer. Peer input never throws, neither from the
 * readers nor from the machines (they return verdicts, answers and readings, giving up
 * included); these are raised for our own misuse and by the encoders when something
 * cannot go on. Tell them apart with the guards.
 */
/** Which direction a machine serves: the peer proves itself to us, or we to the peer. */
export type AuthRole = 'verifier' | 'prover';

/** Text that should be base64 or an `x-syncml-hmac` header value is not. */
export class AuthEncodingError extends Error {
  override readonly name = 'AuthEncodingError';
  constructor(
    /** What was being read, e.g. `nonce`, `x-syncml-hmac header`. */
    readonly what: string,
    readonly reason: string,
  ) {
    super(`${what}: ${reason}`);
  }
}

/** Our own misuse: an event the transition table has no row for in the current state. */
export class AuthStateError extends Error {
  override readonly name = 'AuthStateError';
  constructor(
    readonly role: AuthRole,
    readonly state: string,
    readonly event: string,
  ) {
    super(`${role}: no transition for event '${event}' in state '${state}'`);
  }
}

/** A machine or helper was given something it cannot work with (no credentials, a bad random source). */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function isAuthEncodingError(e: unknown): e is AuthEncodingError {
  return e instanceof Error && e.name === 'AuthEncodingError';
}

export function isAuthStateError(e: unknown): e is AuthStateError {
  return e instanceof Error && e.name === 'AuthStateError';
}

export function isAuthConfigError(e: unknown): e is AuthConfigError {
  return e instanceof Error && e.name === 'AuthConfigError';
}
