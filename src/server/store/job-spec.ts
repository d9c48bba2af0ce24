/**
 * What a job asks the device to do, as plain JSON (it is stored as such and comes from
 * the REST API and the CLI). `parseJobSpec` checks a value from outside and names the
 * field at fault; the values it checks against (formats, UI alert codes and their
 * options) come from generated/codes.ts.
 */
import { AlertCode, isFormat, isUiAlert, isUiOption, uiOptionUse, type UiOption } from '../../../generated/codes.js';
import { StoreInputError } from './errors.js';

/** A node of the device's tree, with the value to write and its Meta Format and Type. */
export interface ItemSpec {
  readonly uri: string;
  readonly data?: string;
  readonly format?: string;
  readonly type?: string;
}

export type LeafSpec =
  | { readonly op: 'get'; readonly uris: readonly string[] }
  | { readonly op: 'delete'; readonly uris: readonly string[] }
  | { readonly op: 'replace' | 'add'; readonly items: readonly ItemSpec[] }
  | { readonly op: 'copy'; readonly items: readonly { readonly source: string; readonly target: string }[] }
  /** Exec of `uri`; the Correlator ties the device's later Generic Alert to this job. */
  | { readonly op: 'exec'; readonly uri: string; readonly data?: string; readonly format?: string; readonly type?: string; readonly correlator?: string }
  /** A user interaction alert (1100–1104): options by their DM name (MINDT, DR, …). */
  | {
      readonly op: 'ui';
      readonly code: number;
      readonly text: string;
      readonly options?: { readonly [K in UiOption]?: string };
      /** The choices of 1103 and 1104. */
      readonly choices?: readonly string[];
    };

/** Atomic: all or nothing; Sequence: in order. Both hold leaves and each other. */
export type ContainerSpec = { readonly op: 'atomic' | 'sequence'; readonly steps: readonly JobSpec[] };

export type JobSpec = LeafSpec | ContainerSpec;

export type JobOp = JobSpec['op'];

export const JOB_OPS: readonly JobOp[] = ['get', 'replace', 'add', 'delete', 'exec', 'copy', 'atomic', 'sequence', 'ui'];

/** Bounds on a job: containers nest at most this deep and hold at most this many commands in all. */
export const JOB_LIMITS = { depth: 4, commands: 256, items: 256, text: 1 << 20, uri: 1024 } as const;

/** Checks `value` is a JobSpec; throws StoreInputError naming the field (`spec.steps[1].uris[0]`). */
export function parseJobSpec(value: unknown, field = 'spec'): JobSpec {
  const counter = { commands: 0 };
  return spec(value, field, 0, counter);
}

function spec(value: unknown, field: string, depth: number, counter: { commands: number }): JobSpec {
  const o = object(value, field);
  if (++counter.commands > JOB_LIMITS.commands) throw new StoreInputError(field, `more than ${JOB_LIMITS.commands} commands in one job`);
  const op = o['op'];
  switch (op) {
    case 'get':
    case 'delete':
      only(o, field, ['op', 'uris']);
      return { op, uris: list(o['uris'], `${field}.uris`, (v, f) => uri(v, f)) };
    case 'replace':
    case 'add':
      only(o, field, ['op', 'items']);
      return { op, items: list(o['items'], `${field}.items`, item) };
    case 'copy':
      only(o, field, ['op', 'items']);
      return {
        op,
        items: list(o['items'], `${field}.items`, (v, f) => {
          const i = object(v, f);
          only(i, f, ['source', 'target']);
          return { source: uri(i['source'], `${f}.source`), target: uri(i['target'], `${f}.target`) };
        }),
      };
    case 'exec': {
      only(o, field, ['op', 'uri', 'data', 'format', 'type', 'correlator']);
      const base = item({ uri: o['uri'], data: o['data'], format: o['format'], type: o['type'] }, field);
      const correlator = optionalText(o['correlator'], `${field}.correlator`);
      return { op, ...base, ...(correlator !== undefined ? { correlator } : {}) };
    }
    case 'ui':
      return ui(o, field);
    case 'atomic':
    case 'sequence': {
      only(o, field, ['op', 'steps']);
      if (depth + 1 >= JOB_LIMITS.depth) throw new StoreInputError(field, `containers nest at most ${JOB_LIMITS.depth} deep`);
      const steps = list(o['steps'], `${field}.steps`, (v, f) => spec(v, f, depth + 1, counter));
      // The DTD lets an Atomic hold a Sequence but not a Sequence hold a Sequence.
      const nested = op === 'sequence' ? steps.findIndex((s) => s.op === 'sequence') : -1;
      if (nested >= 0) throw new StoreInputError(`${field}.steps[${nested}]`, 'a sequence cannot hold a sequence (put it in an atomic, or list its steps)');
      return { op, steps };
    }
    default:
      throw new StoreInputError(`${field}.op`, `must be one of ${JOB_OPS.join(', ')}`);
  }
}

function ui(o: Record<string, unknown>, field: string): JobSpec {
  only(o, field, ['op', 'code', 'text', 'options', 'choices']);
  const code = o['code'];
  if (typeof code !== 'number' || !Number.isInteger(code) || !isUiAlert(code)) throw new StoreInputError(`${field}.code`, 'must be a user interaction alert code (1100–1104)');
  const text = requiredText(o['text'], `${field}.text`);
  const options: { [K in UiOption]?: string } = {};
  if (o['options'] !== undefined) {
    const given = object(o['options'], `${field}.options`);
    for (const [name, raw] of Object.entries(given)) {
      const f = `${field}.options.${name}`;
      if (!isUiOption(name)) throw new StoreInputError(f, 'is not a user interaction option');
      if (!uiOptionUse[name].alerts.includes(code)) throw new StoreInputError(f, `does not apply to alert ${code}`);
      const v = typeof raw === 'number' ? String(raw) : requiredText(raw, f);
      if (!optionValueFits(uiOptionUse[name].value, v)) throw new StoreInputError(f, `must be ${uiOptionUse[name].value}`);
      options[name] = v;
    }
  }
  const wantsChoices = code === AlertCode.SingleChoice || code === AlertCode.MultipleChoice;
  const choices = o['choices'] === undefined ? undefined : list(o['choices'], `${field}.choices`, requiredText);
  if (wantsChoices && choices === undefined) throw new StoreInputError(`${field}.choices`, `alert ${code} needs choices`);
  if (!wantsChoices && choices !== undefined) throw new StoreInputError(`${field}.choices`, `alert ${code} takes no choices`);
  return { op: 'ui', code, text, ...(Object.keys(options).length > 0 ? { options } : {}), ...(choices ? { choices } : {}) };
}

/** The forms uiOptionUse names: seconds, integer, text, or alternatives `A|N|…`. */
function optionValueFits(form: string, v: string): boolean {
  if (form === 'seconds' || form === 'integer') return /^[0-9]{1,9}$/.test(v);
  if (form === 'text') return v.length <= JOB_LIMITS.uri;
  return form.split('|').includes(v);
}

function item(value: unknown, field: string): ItemSpec {
  const o = object(value, field);
  only(o, field, ['uri', 'data', 'format', 'type']);
  const data = optionalText(o['data'], `${field}.data`);
  const format = optionalText(o['format'], `${field}.format`);
  if (format !== undefined && !isFormat(format)) throw new StoreInputError(`${field}.format`, 'is not a Meta Format of DM (chr, int, bool, b64, xml, …)');
  const type = optionalText(o['type'], `${field}.type`);
  return { uri: uri(o['uri'], `${field}.uri`), ...(data !== undefined ? { data } : {}), ...(format !== undefined ? { format } : {}), ...(type !== undefined ? { type } : {}) };
}

function uri(value: unknown, field: string): string {
  const text = requiredText(value, field);
  if (text.length > JOB_LIMITS.uri) throw new StoreInputError(field, `longer than ${JOB_LIMITS.uri} characters`);
  return text;
}

function requiredText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new StoreInputError(field, 'must be a non-empty string');
  if (value.length > JOB_LIMITS.text) throw new StoreInputError(field, `longer than ${JOB_LIMITS.text} characters`);
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new StoreInputError(field, 'must be a string');
  if (value.length > JOB_LIMITS.text) throw new StoreInputError(field, `longer than ${JOB_LIMITS.text} characters`);
  return value;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StoreInputError(field, 'must be an object');
  return value as Record<string, unknown>;
}

function only(o: Record<string, unknown>, field: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new StoreInputError(`${field}.${k}`, `is not a field here (expected ${keys.join(', ')})`);
}

function list<T>(value: unknown, field: string, each: (v: unknown, f: string) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) throw new StoreInputError(field, 'must be a non-empty array');
  if (value.length > JOB_LIMITS.items) throw new StoreInputError(field, `more than ${JOB_LIMITS.items} entries`);
  return value.map((v, i) => each(v, `${field}[${i}]`));
}
