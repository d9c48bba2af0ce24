/**
 * Emits generated/grammar.ts: the vocabularies (namespaces, public identifiers, element
 * names, WBXML code pages) that the readers and writers look things up in.
 */
import { VariableDeclarationKind } from 'ts-morph';
import type { Model } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';

export function emitGrammar(model: Model, out: Output): void {
  const sf = out.ts('grammar.ts', [...model.inputs.dtd, 'namespaces.tsv', 'dm-profile.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/xml-reader.js', isTypeOnly: true, namedImports: ['XmlGrammar'] });
  for (const v of model.vocabularies) {
    sf.addVariableStatement({
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: [`Vocabulary id of ${v.name} (WBXML code page ${v.page}).`],
      declarations: [{ name: `VOCAB_${v.name.toUpperCase()}`, initializer: String(v.id) }],
    });
  }
  const vocabText = model.vocabularies
    .map((v) => {
      const names = model.elements.filter((e) => e.vocabulary === v).map((e) => str(e.name));
      return `{ name: ${str(v.name)}, namespaces: [${v.namespaces.map(str).join(', ')}], elements: new Set([${names.join(', ')}]) }`;
    })
    .join(',\n  ');
  const rootVocab = model.vocabularies[0]!;
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['The message grammar as the XML reader needs it.'],
    declarations: [
      {
        name: 'grammar',
        type: 'XmlGrammar',
        initializer: `{\n  vocabularies: [\n  ${vocabText},\n  ],\n  defaultVocabulary: ${rootVocab.id},\n  root: ${str(model.root.name)},\n  publicIds: [${rootVocab.fpis.map(str).join(', ')}],\n}`,
      },
    ],
  });
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Preferred namespace of each vocabulary, by id.'],
    declarations: [{ name: 'namespaces', initializer: `[${model.vocabularies.map((v) => str(v.namespaces[0]!)).join(', ')}] as const` }],
  });
  const notDm = model.elements.filter((e) => !e.dm);
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Elements of SyncML that OMA DM does not use, with the reason (schemas/dm-profile.tsv).'],
    declarations: [
      {
        name: 'notInDm',
        type: 'ReadonlyMap<string, string>',
        initializer: `new Map([\n${notDm.map((e) => `  [${str(e.name)}, ${str(e.dmNote)}],`).join('\n')}\n])`,
      },
    ],
  });
}
