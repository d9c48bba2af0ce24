/**
 * Typed errors of the store. A refusal the caller is expected to handle (a second live
 * session, a snapshot saved over a newer one, a job that is not in the state asked for)
 * is a returned result, not an error; these are raised for input the store will not
 * take and for things that are not there.
 */

/**
 * A refusal that names the field at fault, `field` being the path of the offending value
 * (`spec.items[2].uri`): the message is `field: reason`. The CLI and the REST API report
 * every such error with its field (StoreInputError here, ManagementConflictError).
 */
export abstract class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** Input the store refuses. */
export class StoreInputError extends FieldError {
  override readonly name = 'StoreInputError';
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
