/**
 * A handler that answers without a user: the default response (DR) when the alert has
 * one, else the policy given. For simulated devices and tests.
 */
import { defaultResponse, type UiHandler } from './runner.js';
import type { UiResponse } from './request.js';

export interface AutoAnswers {
  /** Confirmations without DR: true "Yes", false "No", 'cancel'. Default true. */
  readonly confirm?: boolean | 'cancel';
  /** Text input without DR. Default ''. */
  readonly input?: string | 'cancel';
  /** Choices without DR (numbers from 1). Default [1]. */
  readonly choose?: readonly number[] | 'cancel';
}

export function autoAnswer(answers: AutoAnswers = {}): UiHandler {
  return async (request): Promise<UiResponse> => {
    const dr = defaultResponse(request);
    if (dr && request.kind !== 'display') return dr;
    switch (request.kind) {
      case 'display':
        return { kind: 'ok' };
      case 'confirm': {
        const a = answers.confirm ?? true;
        return a === 'cancel' ? { kind: 'cancel' } : { kind: a ? 'yes' : 'no' };
      }
      case 'input': {
        const a = answers.input ?? '';
        return a === 'cancel' ? { kind: 'cancel' } : { kind: 'text', text: a };
      }
      case 'single':
      case 'multiple': {
        const a = answers.choose ?? [1];
        return a === 'cancel' ? { kind: 'cancel' } : { kind: 'chosen', choices: a };
      }
    }
  };
}
