/** Typed commands as a decoded message holds them, for executor tests. */
import type { Add, Alert, Atomic, AtomicCommand, Copy, Delete, Exec, Get, Item, Replace, Sequence, SequenceCommand, SyncBodyCommand } from '../../generated/types.js';

let next = 1;
const id = (): string => String(next++);

function item(uri: string, data?: string, format?: string): Item {
  return { target: { locURI: uri }, ...(format ? { meta: { format, emis: [] } } : {}), ...(data !== undefined ? { data } : {}) };
}

export const c = {
  add: (uri: string, data?: string, format?: string): Add => ({ kind: 'Add', cmdID: id(), items: [item(uri, data, format)] }),
  replace: (uri: string, data: string, format?: string): Replace => ({ kind: 'Replace', cmdID: id(), items: [item(uri, data, format)] }),
  delete: (uri: string): Delete => ({ kind: 'Delete', cmdID: id(), items: [item(uri)] }),
  get: (...uris: string[]): Get => ({ kind: 'Get', cmdID: id(), items: uris.map((u) => item(u)) as [Item, ...Item[]] }),
  copy: (target: string, source: string): Copy => ({ kind: 'Copy', cmdID: id(), items: [{ target: { locURI: target }, source: { locURI: source } }] }),
  exec: (uri: string, correlator?: string, data?: string): Exec => ({ kind: 'Exec', cmdID: id(), ...(correlator ? { correlator } : {}), item: item(uri, data) }),
  atomic: (...commands: AtomicCommand[]): Atomic => ({ kind: 'Atomic', cmdID: id(), commands: commands as Atomic['commands'] }),
  sequence: (...commands: SequenceCommand[]): Sequence => ({ kind: 'Sequence', cmdID: id(), commands: commands as Sequence['commands'] }),
  alert: (code: number, ...data: (string | undefined)[]): Alert => ({ kind: 'Alert', cmdID: id(), data: String(code), items: data.map((d) => (d === undefined ? {} : { data: d })) }),
};

/** `Kind:status` for each answer, in order. */
export function codes(answers: readonly { command: SyncBodyCommand; status: number }[]): string[] {
  return answers.map((a) => `${a.command.kind}:${a.status}`);
}
