/**
 * Errors of the session layer, after h11: a ProtocolError is the peer breaking a rule
 * and carries what to answer (a status code, or an alert code such as 1225); a
 * LocalProtocolError is our own caller asking for something the protocol cannot do.
 */

/** What the peer did wrong, and the status or alert the spec says to answer with. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    /** Status code to answer with (e.g. 424 size mismatch, 401 invalid credentials). */
    readonly status?: number,
    /** Alert code to send instead of a status (e.g. 1225 end of data not received). */
    readonly alert?: number,
  ) {
    super(message);
  }
}

/** Why a local request cannot be carried out. */
export type LocalProblem =
  | 'object-too-large'
  | 'command-too-large'
  | 'message-too-small'
  | 'empty-message'
  | 'wrong-state'
  | 'session-ended';

export class LocalProtocolError extends Error {
  override readonly name = 'LocalProtocolError';
  constructor(
    message: string,
    readonly problem: LocalProblem,
  ) {
    super(message);
  }
}

export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof Error && e.name === 'ProtocolError';
}

export function isLocalProtocolError(e: unknown): e is LocalProtocolError {
  return e instanceof Error && e.name === 'LocalProtocolError';
}
