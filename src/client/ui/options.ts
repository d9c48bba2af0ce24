/**
 * User interaction options (10.3): one URL-encoded string in the Data of the alert's
 * first Item, `NAME=value&NAME=value`. The options and the alerts each applies to come
 * from generated/codes.ts (uiOptionUse). An option the client cannot process (unknown,
 * or a value it cannot read) is skipped without error, as 10.3 requires.
 */
import { isUiOption, UiOption, uiOptionUse } from '../../../generated/codes.js';

export type InputType = 'A' | 'N' | 'D' | 'T' | 'P' | 'I';
export type EchoType = 'T' | 'P';

export interface UiOptions {
  /** Seconds the message stays on screen at least. */
  readonly minDisplayTime?: number;
  /** Seconds to wait for the user at most. */
  readonly maxDisplayTime?: number;
  /** Default response, as written (choice numbers "2-3", "1"/"0", or text). */
  readonly defaultResponse?: string;
  readonly maxLength?: number;
  readonly inputType?: InputType;
  readonly echoType?: EchoType;
  /** Options present but skipped (unknown, not for this alert, or unreadable). */
  readonly skipped: readonly string[];
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

const POSITIVE = /^\d+$/;

/** Reads the option string of a UI alert with code `alert` (1100-1104). */
export function parseUiOptions(data: string | undefined, alert: number): UiOptions {
  const out: { -readonly [K in keyof UiOptions]: UiOptions[K] } = { skipped: [] };
  const skipped: string[] = [];
  for (const part of (data ?? '').trim().split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? undefined : decode(part.slice(eq + 1));
    if (!isUiOption(name) || !uiOptionUse[name].alerts.includes(alert) || value === undefined) {
      skipped.push(name);
      continue;
    }
    switch (name) {
      case UiOption.MinimumDisplayTime:
      case UiOption.MaximumDisplayTime:
      case UiOption.MaximumLength: {
        if (!POSITIVE.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
          skipped.push(name);
          break;
        }
        const n = Number(value);
        if (name === UiOption.MinimumDisplayTime) out.minDisplayTime = n;
        else if (name === UiOption.MaximumDisplayTime) out.maxDisplayTime = n;
        else out.maxLength = n;
        break;
      }
      case UiOption.DefaultResponse:
        out.defaultResponse = value;
        break;
      case UiOption.InputType:
        if (/^[ANDTPI]$/.test(value)) out.inputType = value as InputType;
        else skipped.push(name);
        break;
      case UiOption.EchoType:
        if (value === 'T' || value === 'P') out.echoType = value;
        else skipped.push(name);
        break;
    }
  }
  out.skipped = skipped;
  return out;
}
