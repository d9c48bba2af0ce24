/** Why a Package#0 was refused. */
export type NotificationProblem = 'truncated' | 'too-long' | 'bad-field' | 'bad-digest' | 'unknown-server';

export class NotificationError extends Error {
  override readonly name = 'NotificationError';
  constructor(
    message: string,
    readonly problem: NotificationProblem,
    /** The field at fault, when one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export function isNotificationError(e: unknown): e is NotificationError {
  return e instanceof Error && e.name === 'NotificationError';
}
