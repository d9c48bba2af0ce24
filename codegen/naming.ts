/** Names of generated symbols, derived from element names. */

/**
 * Lower camel case of an element name, keeping acronyms readable:
 * `LocURI` → `locURI`, `EMI` → `emi`, `SyncHdr` → `syncHdr`, `URLPath` → `urlPath`.
 */
export function fieldName(element: string): string {
  const lead = /^[A-Z]+/.exec(element)?.[0] ?? '';
  if (lead.length === element.length) return element.toLowerCase();
  if (lead.length <= 1) return element.charAt(0).toLowerCase() + element.slice(1);
  // "URLPath": the last capital of the run starts the next word.
  const next = element.charAt(lead.length);
  const keep = /[a-z]/.test(next) ? lead.length - 1 : lead.length;
  return element.slice(0, keep).toLowerCase() + element.slice(keep);
}

/** English plural of a field name: `item` → `items`, `status` → `statuses`. */
export function pluralize(name: string): string {
  if (/(s|x|ch|sh)$/.test(name)) return name + 'es';
  return name + 's';
}

/** Upper camel case identifier from a field name: `commands` → `Commands`. */
export function identifier(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Names that a generated type must not take: they would hide a JavaScript global. */
const GLOBALS = new Set(['Map', 'Record', 'Set', 'Object', 'String', 'Number', 'Boolean', 'Array', 'Date', 'Error', 'Symbol', 'Promise', 'Function']);

/** TypeScript type name of an element: its name, or `<Name>Element` where the name is a global's. */
export function typeNameOf(element: string): string {
  return GLOBALS.has(element) ? `${element}Element` : element;
}

/** A JavaScript string literal. */
export function str(s: string): string {
  return JSON.stringify(s);
}
