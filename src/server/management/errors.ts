/**
 * Typed errors of the management operations, beside the store's: StoreInputError (input
 * refused, naming the field) and StoreNotFoundError (no such device, job or session) come
 * from the store; a request that clashes with what is there is a ManagementConflictError.
 */
import { FieldError } from '../store/errors.js';

/** The request is well formed but clashes with the present state: a device id that is
 * taken, a job that is no longer queued. `field` names what clashes. */
export class ManagementConflictError extends FieldError {
  override readonly name = 'ManagementConflictError';
}

export function isManagementConflictError(e: unknown): e is ManagementConflictError {
  return e instanceof Error && e.name === 'ManagementConflictError';
}
