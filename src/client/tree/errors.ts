/**
 * The one error of the management tree and the command executor: a command cannot be
 * carried out, and `status` is the DM status code the spec gives for the reason (404 no
 * such node, 425 the ACL denies it, 414 the URI breaks a limit, ...). The executor turns
 * it into the command's Status; nothing else is thrown for a server's bad request.
 */
export class TreeError extends Error {
  override readonly name = 'TreeError';
  constructor(
    message: string,
    /** The status code to answer the command with. */
    readonly status: number,
    /** The URI the command addressed, when there is one. */
    readonly uri?: string,
  ) {
    super(uri === undefined ? message : `${uri}: ${message}`);
  }
}

export function isTreeError(e: unknown): e is TreeError {
  return e instanceof Error && e.name === 'TreeError';
}
