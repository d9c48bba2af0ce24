/**
 * Emits generated/codes.ts: the protocol value tables as const objects with literal
 * types, lookups of names and reason phrases, and predicates (status classes, alert
 * categories).
 */
import { VariableDeclarationKind, type SourceFile } from 'ts-morph';
import type { Code, Model, NamedValue } from '../model.js';
import type { Output } from '../output.js';
import { identifier, str } from '../naming.js';

function constObject(sf: SourceFile, name: string, doc: string, entries: readonly (readonly [string, string, string])[]): void {
  const body = entries.map(([k, v, d]) => (d ? `  /** ${d} */\n  ${k}: ${v},` : `  ${k}: ${v},`)).join('\n');
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [doc],
    declarations: [{ name, initializer: `{\n${body}\n} as const` }],
  });
  sf.addTypeAlias({ name, isExported: true, type: `(typeof ${name})[keyof typeof ${name}]` });
}

function codeTable(sf: SourceFile, name: string, doc: string, codes: readonly Code[], descriptionNoun: string): void {
  constObject(
    sf,
    name,
    doc,
    codes.map((c) => [c.name, String(c.code), `${c.code}: ${c.description}`] as const),
  );
  const info = codes.map((c) => `  [${c.code}, { name: ${str(c.name)}, ${descriptionNoun}: ${str(c.description)}${c.category ? `, category: ${str(c.category)}` : ''} }],`);
  sf.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: `${name}Info`, initializer: `new Map<number, { readonly name: string; readonly ${descriptionNoun}: string; readonly category?: string }>([\n${info.join('\n')}\n])` }],
  });
  sf.addFunction({
    name: `is${name}`,
    isExported: true,
    docs: [`Is \`code\` one of the known ${name} values?`],
    parameters: [{ name: 'code', type: 'number' }],
    returnType: `code is ${name}`,
    statements: `return ${name}Info.has(code);`,
  });
}

function valueTable(sf: SourceFile, name: string, doc: string, values: readonly NamedValue[]): void {
  constObject(
    sf,
    name,
    doc,
    values.map((v) => [v.name, str(v.value), v.description] as const),
  );
  sf.addFunction({
    name: `is${name}`,
    isExported: true,
    docs: [`Is \`value\` one of the known ${name} values?`],
    parameters: [{ name: 'value', type: 'string' }],
    returnType: `value is ${name}`,
    statements: `return (Object.values(${name}) as string[]).includes(value);`,
  });
}

export function emitCodes(model: Model, out: Output): void {
  const sf = out.ts('codes.ts', ['alert-codes.tsv', 'status-codes.tsv', 'format-values.tsv', 'auth-types.tsv', 'ui-options.tsv', 'versions.tsv']);

  codeTable(sf, 'AlertCode', 'Alert codes (the Data of an Alert command).', model.alertCodes, 'description');
  sf.addFunction({
    name: 'alertDescription',
    isExported: true,
    docs: ['What an alert code means, or undefined for an unknown code.'],
    parameters: [{ name: 'code', type: 'number' }],
    returnType: 'string | undefined',
    statements: 'return AlertCodeInfo.get(code)?.description;',
  });
  const categories = [...new Set(model.alertCodes.map((c) => c.category).filter((c): c is string => !!c))].sort();
  for (const cat of categories) {
    const codes = model.alertCodes.filter((c) => c.category === cat).map((c) => c.code);
    sf.addFunction({
      name: `is${identifier(cat)}Alert`,
      isExported: true,
      docs: [`Is \`code\` an alert of the "${cat}" category (${codes.join(', ')})?`],
      parameters: [{ name: 'code', type: 'number' }],
      returnType: 'boolean',
      statements: `return AlertCodeInfo.get(code)?.category === ${str(cat)};`,
    });
  }

  codeTable(sf, 'StatusCode', 'Status codes (the Data of a Status command), with their reason phrases.', model.statusCodes, 'reason');
  sf.addFunction({
    name: 'statusReason',
    isExported: true,
    docs: ['The reason phrase of a status code, or undefined for an unknown code.'],
    parameters: [{ name: 'code', type: 'number' }],
    returnType: 'string | undefined',
    statements: 'return StatusCodeInfo.get(code)?.reason;',
  });
  const classes: [string, number, string][] = [
    ['Informational', 1, 'in progress'],
    ['Success', 2, 'success'],
    ['Redirection', 3, 'redirection'],
    ['OriginatorError', 4, 'an error of the originator (the command or its sender)'],
    ['RecipientError', 5, 'an error of the recipient'],
  ];
  for (const [name, digit, meaning] of classes) {
    sf.addFunction({
      name: `is${name}Status`,
      isExported: true,
      docs: [`Is \`code\` of class ${digit}xx: ${meaning}?`],
      parameters: [{ name: 'code', type: 'number' }],
      returnType: 'boolean',
      statements: `return code >= ${digit}00 && code <= ${digit}99;`,
    });
  }

  valueTable(sf, 'Format', 'Values of MetInf Format.', model.formats);
  valueTable(sf, 'AuthType', 'Authentication types (MetInf Type in Cred and Chal).', model.authTypes);
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['The Format each authentication type travels in (empty: no Data in Cred).'],
    declarations: [
      {
        name: 'authTypeFormat',
        type: 'Readonly<Record<AuthType, string>>',
        initializer: `{\n${model.authTypes.map((a) => `  ${str(a.value)}: ${str(a.extra['format'] ?? '')},`).join('\n')}\n}`,
      },
    ],
  });
  valueTable(sf, 'UiOption', 'User interaction alert options (DM protocol section 10.3).', model.uiOptions);
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['For each user interaction option: the form of its value and the alert codes that take it.'],
    declarations: [
      {
        name: 'uiOptionUse',
        type: 'Readonly<Record<UiOption, { readonly value: string; readonly alerts: readonly number[] }>>',
        initializer: `{\n${model.uiOptions
          .map((o) => `  ${o.value}: { value: ${str(o.extra['value'] ?? '')}, alerts: [${(o.extra['alerts'] ?? '').split(/\s+/).filter(Boolean).join(', ')}] },`)
          .join('\n')}\n}`,
      },
    ],
  });
  for (const element of ['VerDTD', 'VerProto']) {
    const rows = model.versions.filter((v) => v.extra['element'] === element);
    valueTable(sf, element, `Values of ${element} that omadm reads and writes.`, rows);
    const def = rows.find((r) => r.extra['default'] === 'yes') ?? rows[0]!;
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [`The ${element} builders write when none is given.`],
      declarations: [{ name: `DEFAULT_${element.toUpperCase()}`, initializer: `${element}.${def.name}` }],
    });
  }
}
