/**
 * Emits generated/command-helpers.ts: what the session layer needs to know about the
 * shape of a command, read from the model instead of re-derived with casts:
 * - `itemsOf`: the Items a command carries (`Item+`/`Item*` fields, and a single `Item`);
 * - `withItems`: a copy of a command with other Items (a chunk, one item of several);
 * - `nestedCommands`: the commands a container holds (its repeated choice of commands);
 * - `hasNoResp`: the command carries `<NoResp/>`;
 * - `isResponse`: the command answers another one (it names it with CmdRef: Status, Results).
 * Each works on typed commands and on drafts (commands without CmdIDs) alike.
 */
import type { Element, Model } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';

interface Shape {
  readonly element: Element;
  /** The Item field and whether it holds one Item or a list. */
  readonly items?: { readonly field: string; readonly single: boolean };
  /** The field of nested commands. */
  readonly nested?: string;
  readonly noResp?: string;
  readonly response: boolean;
}

function shapes(model: Model): Shape[] {
  const commands = new Set(model.elements.filter((e) => e.tagged).map((e) => e.name));
  return model.elements
    .filter((e) => e.tagged)
    .map((element) => {
      const ps = particlesOf(model, element);
      const item = ps.find((p) => p.kind === 'element' && p.element === 'Item');
      const nested = ps.find((p) => p.kind === 'choice' && p.elements.every((m) => commands.has(m)));
      const noResp = ps.find((p) => p.kind === 'element' && p.element === 'NoResp');
      return {
        element,
        ...(item ? { items: { field: item.field, single: item.max === 1 } } : {}),
        ...(nested ? { nested: nested.field } : {}),
        ...(noResp ? { noResp: noResp.field } : {}),
        response: ps.some((p) => p.kind === 'element' && p.element === 'CmdRef'),
      };
    });
}

const cases = (list: readonly Shape[]): string => list.map((s) => `    case '${s.element.name}':`).join('\n');

export function emitCommandHelpers(model: Model, out: Output): void {
  const sf = out.ts('command-helpers.ts', model.inputs.dtd.concat(['field-names.tsv']));
  const all = shapes(model);
  const list = all.filter((s) => s.items && !s.items.single);
  const single = all.filter((s) => s.items?.single);
  const containers = all.filter((s) => s.nested);
  const noResp = all.filter((s) => s.noResp);
  const responses = all.filter((s) => s.response);
  const field = (ss: readonly Shape[], f: (s: Shape) => string | undefined): string => {
    const names = [...new Set(ss.map(f))];
    if (names.length !== 1) throw new Error(`command-helpers: fields differ across commands (${names.join(', ')})`);
    return names[0]!;
  };
  const itemsField = field(list, (s) => s.items!.field);
  const itemField = field(single, (s) => s.items!.field);
  const nestedField = field(containers, (s) => s.nested);
  const noRespField = field(noResp, (s) => s.noResp);

  sf.addStatements(
    [
    `import type { Command, Item } from './types.js';`,
    `import type { ItemInit, SyncBodyCommandDraft } from './builders.js';`,
    '',
    `/** A typed command or a draft of one (no CmdID yet). */`,
    `export type AnyCommand = Command | SyncBodyCommandDraft;`,
    '',
    `/** Commands whose Items are a list: ${list.map((s) => s.element.name).join(', ')}. */`,
    `export type ItemListKind = ${list.map((s) => `'${s.element.name}'`).join(' | ')};`,
    '',
    `/** The Items \`command\` carries, in order (none for a command without Items). */`,
    `export function itemsOf(command: Command): readonly Item[];`,
    `export function itemsOf(command: SyncBodyCommandDraft): readonly (Item | ItemInit)[];`,
    `export function itemsOf(command: AnyCommand): readonly (Item | ItemInit)[];`,
    `export function itemsOf(command: AnyCommand): readonly (Item | ItemInit)[] {`,
    `  switch (command.kind) {`,
    cases(list),
    `      return command.${itemsField} ?? [];`,
    cases(single),
    `      return [command.${itemField}];`,
    `    default:`,
    `      return [];`,
    `  }`,
    `}`,
    '',
    `/** Whether \`command\` can carry Items. */`,
    `export function carriesItems(command: AnyCommand): boolean {`,
    `  switch (command.kind) {`,
    cases([...list, ...single]),
    `      return true;`,
    `    default:`,
    `      return false;`,
    `  }`,
    `}`,
    '',
    `/**`,
    ` * A copy of \`command\` carrying \`items\` instead of its own (the rest shared, not copied).`,
    ` * Throws for a command that carries no Items, or a single-Item command given another count.`,
    ` */`,
    `export function withItems<C extends AnyCommand>(command: C, items: readonly Item[]): C {`,
    `  switch (command.kind) {`,
    cases(list),
    `      return { ...command, ${itemsField}: [...items] };`,
    cases(single),
    `      if (items.length !== 1) throw new RangeError(\`<\${command.kind}> carries exactly one Item, not \${items.length}\`);`,
    `      return { ...command, ${itemField}: items[0] };`,
    `    default:`,
    `      throw new RangeError(\`<\${command.kind}> carries no Item\`);`,
    `  }`,
    `}`,
    '',
    `/** The commands a container (${containers.map((s) => s.element.name).join(', ')}) holds; none for any other command. */`,
    `export function nestedCommands(command: Command): readonly Command[];`,
    `export function nestedCommands(command: SyncBodyCommandDraft): readonly SyncBodyCommandDraft[];`,
    `export function nestedCommands(command: AnyCommand): readonly AnyCommand[];`,
    `export function nestedCommands(command: AnyCommand): readonly AnyCommand[] {`,
    `  switch (command.kind) {`,
    cases(containers),
    `      return command.${nestedField} ?? [];`,
    `    default:`,
    `      return [];`,
    `  }`,
    `}`,
    '',
    `/** Whether \`command\` carries <NoResp/> (the peer sends no Status for it). */`,
    `export function hasNoResp(command: AnyCommand): boolean {`,
    `  switch (command.kind) {`,
    cases(noResp),
    `      return command.${noRespField} === true;`,
    `    default:`,
    `      return false;`,
    `  }`,
    `}`,
    '',
    `/** Whether \`command\` answers another (it names it with CmdRef: ${responses.map((s) => s.element.name).join(', ')}); responses get no Status. */`,
    `export function isResponse(command: AnyCommand): boolean {`,
    `  switch (command.kind) {`,
    cases(responses),
    `      return true;`,
    `    default:`,
    `      return false;`,
    `  }`,
    `}`,
    ].join('\n'),
  );
}
