/**
 * Alerts the client sends (section 6.7, 6.8): Generic Alert 1226, with or without a
 * management object (Source LocURI), its Meta Type (URN, reversed domain name or MIME
 * type), Format, optional Mark (importance) and the Correlator of the Exec it answers;
 * Tree Change Alerts 1227/1228. They are drafts for the session's `send()`.
 */
import type { AlertDraft } from '../../generated/builders.js';
import { AlertCode, Format, isFormat } from '../../generated/codes.js';
import type { Item } from '../../generated/types.js';
import { TreeError } from './tree/errors.js';

/** The importance levels of Mark, most important first (6.7.1.8). */
export const ALERT_MARKS = ['fatal', 'critical', 'minor', 'warning', 'informational', 'harmless', 'indeterminate'] as const;
export type AlertMark = (typeof ALERT_MARKS)[number];

export interface GenericAlertItem {
  /** The management object the alert relates to (GAlert-C-001/003); left out when none. */
  readonly source?: string;
  /** Meta Type: `urn:oma:at:<enabler>:<d.d>:<info>`, `Reversed-Domain-Name: a.b`, or a MIME type. */
  readonly type: string;
  /** Meta Format of Data. */
  readonly format: string;
  readonly mark?: AlertMark;
  readonly data: string;
}

const URN = /^urn:oma:at:[A-Za-z]+:\d\.\d:[A-Za-z]+$/;
const REVERSED = /^Reversed-Domain-Name:\s*[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+$/;
const MIME = /^[A-Za-z0-9][-\w.+]*\/[-\w.+]+$/;

/** Is `type` a valid Generic Alert Type (6.7.1.6)? */
export function isAlertType(type: string): boolean {
  const t = type.trim();
  return URN.test(t) || REVERSED.test(t) || MIME.test(t);
}

/** A Generic Alert (1226) carrying one or more items; `correlator` echoes an Exec's. */
export function genericAlert(items: readonly GenericAlertItem[], correlator?: string): AlertDraft {
  if (items.length === 0) throw new TreeError('a Generic Alert needs an item', 400);
  return {
    kind: 'Alert',
    data: String(AlertCode.GenericAlert),
    ...(correlator !== undefined ? { correlator } : {}),
    items: items.map((i): Item => {
      if (!isAlertType(i.type)) throw new TreeError(`${JSON.stringify(i.type)} is not a URN, reversed domain name or MIME type`, 400);
      if (!isFormat(i.format)) throw new TreeError(`${JSON.stringify(i.format)} is not a Format`, 415);
      return {
        ...(i.source !== undefined ? { source: { locURI: i.source } } : {}),
        meta: { type: i.type, format: i.format, ...(i.mark !== undefined ? { mark: i.mark } : {}), emis: [] },
        data: i.data,
      };
    }),
  };
}

/** Alert 1227 (nothing changed) or 1228 with the URIs of the changed objects (6.8). */
export function treeChangeAlert(changed: readonly string[]): AlertDraft {
  if (changed.length === 0) return { kind: 'Alert', data: String(AlertCode.TreeUnchanged), items: [] };
  return { kind: 'Alert', data: String(AlertCode.TreeChanged), items: changed.map((uri) => ({ source: { locURI: uri } })) };
}

/** The Generic Alert reporting an asynchronous Exec's outcome (GAlert-C-004). */
export function execCompletionAlert(execTarget: string, correlator: string | undefined, outcome: { type: string; format?: string; mark?: AlertMark; data: string }): AlertDraft {
  return genericAlert([{ source: execTarget, type: outcome.type, format: outcome.format ?? Format.Character, ...(outcome.mark ? { mark: outcome.mark } : {}), data: outcome.data }], correlator);
}
