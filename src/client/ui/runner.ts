/**
 * Runs a user interaction alert through a pluggable handler and turns what the user did
 * into the Alert's Status (10.2):
 *
 *   display shown 200 · "Yes" 200 · "No" 304 · text typed 200 + Item · chosen 200 + one
 *   Item per choice number · cancel 214 (the executor then answers 215 for the rest).
 *
 * MAXDT bounds the wait: when it passes, the default response (DR) is the answer if there
 * is one, otherwise 408 (a display counts as shown). MINDT (10.3.1) keeps the interaction
 * on screen that long at least: the answer is not given before it has passed (at most
 * MAXDT). The timer comes in, never read from the wall clock, so tests decide when time
 * passes.
 */
import { StatusCode } from '../../../generated/codes.js';
import type { Alert, Item } from '../../../generated/types.js';
import type { UiAnswer, UiRunner } from '../executor/executor.js';
import { isTreeError } from '../tree/errors.js';
import { parseUiAlert, type UiRequest, type UiResponse } from './request.js';

/** The user's side: asked with a request, answers when the user acts; stops on `signal`. */
export type UiHandler = (request: UiRequest, signal: AbortSignal) => Promise<UiResponse>;

export interface UiTimer {
  /** Resolves after `ms`, or never once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realTimer: UiTimer = {
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => clearTimeout(t), { once: true });
    }),
};

const TIMED_OUT = Symbol('timed out');

export interface UiRunnerOptions {
  /**
   * Wait for MINDT before answering (default true). A device nobody looks at (a
   * simulator answering by itself) may leave it out: the hint is for a human reader.
   */
  readonly minDisplayTime?: boolean;
}

export function createUiRunner(handler: UiHandler, timer: UiTimer = realTimer, options: UiRunnerOptions = {}): UiRunner {
  return async (alert: Alert): Promise<UiAnswer> => {
    let request: UiRequest;
    try {
      request = parseUiAlert(alert);
    } catch (e) {
      if (isTreeError(e)) return { status: e.status };
      throw e;
    }
    const stop = new AbortController();
    const waits: Promise<UiResponse | typeof TIMED_OUT>[] = [handler(request, stop.signal)];
    const maxdt = request.options.maxDisplayTime;
    if (maxdt !== undefined) waits.push(timer.sleep(maxdt * 1000, stop.signal).then(() => TIMED_OUT));
    const mindt = options.minDisplayTime === false ? undefined : request.options.minDisplayTime;
    const shown = mindt !== undefined && mindt > 0 ? timer.sleep(Math.min(mindt, maxdt ?? mindt) * 1000, new AbortController().signal) : undefined;
    let response: UiResponse | typeof TIMED_OUT;
    try {
      response = await Promise.race(waits);
    } catch {
      response = { kind: 'cancel' };
    } finally {
      stop.abort();
    }
    await shown;
    if (response === TIMED_OUT) {
      const fallback = defaultResponse(request);
      if (!fallback) return { status: StatusCode.RequestTimeout };
      response = fallback;
    }
    return answerFor(request, response);
  };
}

/** What DR (or a display's nature) answers when the user does not act. */
export function defaultResponse(request: UiRequest): UiResponse | undefined {
  switch (request.kind) {
    case 'display':
      return { kind: 'ok' };
    case 'confirm':
      return request.defaultYes === undefined ? undefined : { kind: request.defaultYes ? 'yes' : 'no' };
    case 'input':
      return request.defaultText === undefined ? undefined : { kind: 'text', text: request.defaultText };
    case 'single':
    case 'multiple':
      return request.defaults.length === 0 ? undefined : { kind: 'chosen', choices: request.defaults };
  }
}

function answerFor(request: UiRequest, response: UiResponse): UiAnswer {
  if (response.kind === 'cancel') return { status: StatusCode.OperationCancelled };
  switch (request.kind) {
    case 'display':
      return { status: StatusCode.Ok };
    case 'confirm':
      if (response.kind === 'yes') return { status: StatusCode.Ok };
      if (response.kind === 'no') return { status: StatusCode.NotModified };
      break;
    case 'input':
      if (response.kind === 'text') {
        const max = request.options.maxLength;
        const text = max !== undefined ? [...response.text].slice(0, max).join('') : response.text;
        return { status: StatusCode.Ok, items: [{ data: text }] };
      }
      break;
    case 'single':
    case 'multiple':
      if (response.kind === 'chosen') {
        const valid = [...new Set(response.choices)].filter((n) => Number.isInteger(n) && n >= 1 && n <= request.choices.length);
        const picked = request.kind === 'single' ? valid.slice(0, 1) : valid;
        if (picked.length === 0) return { status: StatusCode.OperationCancelled };
        return { status: StatusCode.Ok, items: picked.map((n): Item => ({ data: String(n) })) };
      }
      break;
  }
  // The handler answered something that does not fit the question: treat it as no answer.
  return { status: StatusCode.CommandFailed };
}
