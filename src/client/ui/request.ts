/**
 * What a user interaction alert (10.2) asks of the user, read from the Alert: the first
 * Item holds the options, the second the text (or the title of a choice), the third and
 * later the choices, numbered from 1 in the order sent (DM-PRO-UI-C-006).
 */
import { AlertCode, StatusCode } from '../../../generated/codes.js';
import type { Alert } from '../../../generated/types.js';
import { TreeError } from '../tree/errors.js';
import { parseUiOptions, type UiOptions } from './options.js';

export type UiRequest =
  | { readonly kind: 'display'; readonly text: string; readonly options: UiOptions }
  | { readonly kind: 'confirm'; readonly text: string; readonly options: UiOptions; readonly defaultYes?: boolean }
  | { readonly kind: 'input'; readonly text: string; readonly options: UiOptions; readonly defaultText?: string }
  | { readonly kind: 'single' | 'multiple'; readonly text: string; readonly options: UiOptions; readonly choices: readonly string[]; readonly defaults: readonly number[] };

/** What the user did. */
export type UiResponse =
  | { readonly kind: 'ok' }
  | { readonly kind: 'yes' }
  | { readonly kind: 'no' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'chosen'; readonly choices: readonly number[] }
  | { readonly kind: 'cancel' };

export function parseUiAlert(alert: Alert): UiRequest {
  const code = Number((alert.data ?? '').trim());
  const options = parseUiOptions(alert.items[0]?.data, code);
  const text = alert.items[1]?.data;
  if (text === undefined) throw new TreeError(`Alert ${code} needs a second Item with the text`, StatusCode.BadRequest);
  switch (code) {
    case AlertCode.Display:
      return { kind: 'display', text, options };
    case AlertCode.ConfirmOrReject: {
      const dr = options.defaultResponse;
      return { kind: 'confirm', text, options, ...(dr === '1' ? { defaultYes: true } : dr === '0' ? { defaultYes: false } : {}) };
    }
    case AlertCode.TextInput:
      return { kind: 'input', text, options, ...(options.defaultResponse !== undefined ? { defaultText: options.defaultResponse } : {}) };
    case AlertCode.SingleChoice:
    case AlertCode.MultipleChoice: {
      const choices = alert.items.slice(2).map((i) => i.data ?? '');
      if (choices.length === 0) throw new TreeError(`Alert ${code} offers no choice`, StatusCode.BadRequest);
      const single = code === AlertCode.SingleChoice;
      const defaults = (options.defaultResponse ?? '')
        .split(single ? /$^/ : '-')
        .map((s) => Number(s.trim()))
        .filter((n) => Number.isInteger(n) && n >= 1 && n <= choices.length);
      return { kind: single ? 'single' : 'multiple', text, options, choices, defaults: single ? defaults.slice(0, 1) : [...new Set(defaults)] };
    }
    default:
      throw new TreeError(`Alert ${code} is not a user interaction`, StatusCode.OptionalFeatureNotSupported);
  }
}
