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
  | 'session-ended'
  /** A draft given to send() carries a CmdID: the session numbers each message's commands itself. */
  | 'cmdid-given';

/** For a message the peer's MaxMsgSize cannot hold: that limit, and the least it would take. */
export interface SizeShortfall {
  readonly maxMsgSize: number;
  /** No message this side could send now is smaller (a lower bound, exact where it can be). */
  readonly needed: number;
}

export class LocalProtocolError extends Error {
  override readonly name = 'LocalProtocolError';
  constructor(
    message: string,
    readonly problem: LocalProblem,
    /** Set for `message-too-small` and `command-too-large`. */
    readonly shortfall?: SizeShortfall,
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
