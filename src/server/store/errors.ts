/**
 * Typed errors of the store. A refusal the caller is expected to handle (a second live
 * session, a snapshot saved over a newer one, a job that is not in the state asked for)
 * is a returned result, not an error; these are raised for input the store will not
 * take and for things that are not there.
 */

/** Input the store refuses: `field` is the path of the offending value (`spec.items[2].uri`). */
export class StoreInputError extends Error {
  override readonly name = 'StoreInputError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** A row the caller named does not exist. */
export class StoreNotFoundError extends Error {
  override readonly name = 'StoreNotFoundError';
  constructor(
    /** What was looked for: `device`, `job`, `session`. */
    readonly what: string,
    readonly key: string,
  ) {
    super(`no ${what} ${JSON.stringify(key)}`);
  }
}

/** A store URL or configuration that names nothing we can open. */
export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function isStoreInputError(e: unknown): e is StoreInputError {
  return e instanceof Error && e.name === 'StoreInputError';
}

export function isStoreNotFoundError(e: unknown): e is StoreNotFoundError {
  return e instanceof Error && e.name === 'StoreNotFoundError';
}

export function isStoreConfigError(e: unknown): e is StoreConfigError {
  return e instanceof Error && e.name === 'StoreConfigError';
}
