/**
 * Pieces the generated value checks share. A check walks an untyped value (parsed JSON,
 * or a typed value from an untrusted caller), records every problem with its path, and
 * returns the canonical typed value: fields in content-model order, `false` EMPTY flags
 * dropped, absent arrays read as empty.
 */
import { EncodeError, type ValueIssue } from './errors.js';

export class CheckContext {
  readonly issues: ValueIssue[] = [];
  constructor(readonly dmOnly: boolean) {}

  issue(path: string, reason: string): undefined {
    this.issues.push({ path, reason });
    return undefined;
  }
}

export type Loose = Record<string, unknown>;

export function isRecord(x: unknown): x is Loose {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Records keys that the element does not have. */
export function checkKeys(x: Loose, known: ReadonlySet<string>, path: string, element: string, c: CheckContext): void {
  for (const k of Object.keys(x)) {
    if (!known.has(k)) c.issue(join(path, k), noSuchField(element, k, known));
  }
}

/** The first own enumerable key of `x` that is not in `known`; undefined when there is none. */
export function unknownKey(x: object, known: ReadonlySet<string>): string | undefined {
  for (const k of Object.keys(x)) if (!known.has(k)) return k;
  return undefined;
}

/**
 * Why a key is refused: the element has no such field, with the field meant when the key
 * is one of its fields in another case or with an `s` too many or too few (`cmdId` for
 * `cmdID`, `item` for `items`).
 */
export function noSuchField(element: string, key: string, known: ReadonlySet<string>): string {
  const lower = key.toLowerCase();
  let meant: string | undefined;
  for (const f of known) {
    const l = f.toLowerCase();
    if (l === lower || l === lower + 's' || l + 's' === lower) {
      meant = f;
      break;
    }
  }
  return `<${element}> has no field ${JSON.stringify(key)}${meant !== undefined ? ` (did you mean ${JSON.stringify(meant)}?)` : ''}`;
}

/**
 * Element paths, as DecodeError's: `/SyncML/SyncBody/Replace[2]/Item[1]/Data`, a step per
 * element, with its 1-based position among same-named siblings when the element repeats.
 * The encoders' checks build them only once a refusal is found (see encode-checks.ts).
 */
export function step(path: string, element: string): string {
  return `${path}/${element}`;
}

/** The path of the `n`th (from 1) `element` child of `path`. */
export function nthStep(path: string, element: string, n: number): string {
  return `${path}/${element}[${n}]`;
}

/**
 * The path of the next member of kind `kind` in an ordered choice at `parent`: its position
 * among the members of that kind seen so far, counted in `seen`.
 */
export function memberStep(parent: string, kind: string, seen: Map<string, number>): string {
  const n = (seen.get(kind) ?? 0) + 1;
  seen.set(kind, n);
  return `${parent}/${kind}[${n}]`;
}

const BAD_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A text value: a string that XML and WBXML can carry. */
export function checkText(x: unknown, path: string, element: string, c: CheckContext): string | undefined {
  if (typeof x !== 'string') return c.issue(path, `<${element}> must be a string, not ${describe(x)}`);
  const bad = BAD_CHAR.exec(x);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return c.issue(path, `<${element}> holds U+${code} at index ${bad.index}, which XML cannot carry`);
  }
  return x;
}

/** An EMPTY element's flag: true when present. */
export function checkFlag(x: unknown, path: string, element: string, c: CheckContext): boolean | undefined {
  if (typeof x !== 'boolean') return c.issue(path, `<${element}> is EMPTY: use true or leave it out, not ${describe(x)}`);
  return x;
}

/** Field paths (`syncBody.commands[2].items[0]`), as parseMessage and checkMessage report them for an untyped value. */
export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** A value as an error message names it; total (BigInt, symbols and functions included). */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'nothing (undefined)';
  if (Array.isArray(x)) return 'an array';
  switch (typeof x) {
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    case 'bigint':
      return `bigint ${x}n`;
    case 'symbol':
      return `symbol ${String(x.description)}`;
    default:
      return `${typeof x} ${JSON.stringify(x)}`;
  }
}

/**
 * What the generated encoders throw on their hot path when a value breaks the rules of
 * generated/encode-checks.ts: no path and no reason, since their entry points replace it
 * with the located issue that those checks find.
 */
export function refusedValue(): EncodeError {
  return new EncodeError('value refused by the encoder', '');
}

/**
 * The text of a field that holds a code or an integer, given as a number or as text: a
 * number is written in decimal and must be a non-negative safe integer; text is passed on
 * as it is (the encoders check it). Builders use it.
 */
export function numberText(x: number | string, element: string, field: string): string {
  if (typeof x !== 'number') return x;
  if (!Number.isSafeInteger(x) || x < 0) throw new EncodeError(`<${element}> takes a non-negative integer, not ${x}`, field);
  return String(x);
}
