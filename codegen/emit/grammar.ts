/**
 * Emits generated/grammar.ts: the vocabularies (namespaces, public identifiers, element
 * names, WBXML code pages) that the readers and writers look things up in.
 */
import { VariableDeclarationKind } from 'ts-morph';
import type { Model } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';

export function emitGrammar(model: Model, out: Output): void {
  const sf = out.ts('grammar.ts', [...model.inputs.dtd, 'namespaces.tsv', 'dm-profile.tsv', 'wbxml-tokens.tsv', 'wbxml-global-tokens.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/xml-reader.js', isTypeOnly: true, namedImports: ['XmlGrammar'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/wbxml-reader.js', isTypeOnly: true, namedImports: ['WbxmlGrammar'] });
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

  // ---- WBXML
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['WBXML global tokens and framing constants (schemas/wbxml-global-tokens.tsv).'],
    declarations: [
      {
        name: 'WBXML',
        initializer: `{\n${model.wbxmlGlobals.map((g) => `  /** ${g.description} */\n  ${g.name}: 0x${g.value.toString(16).toUpperCase().padStart(2, '0')},`).join('\n')}\n} as const`,
      },
    ],
  });
  const pages = model.vocabularies
    .map((v) => {
      const names: string[] = [];
      for (const e of model.elements.filter((x) => x.vocabulary === v)) names[e.wbxmlToken] = e.name;
      const list = Array.from({ length: 64 }, (_, i) => (names[i] ? str(names[i]) : 'undefined'));
      return `    [${v.page}, [${list.join(', ')}]],`;
    })
    .join('\n');
  const publicIds = model.vocabularies.flatMap((v) => v.publicIds.filter((p) => p.id > 1).map((p) => `    [0x${p.id.toString(16)}, ${v.id}],`));
  const fpis = model.vocabularies.flatMap((v) => v.publicIds.map((p) => `    [${str(p.fpi)}, ${v.id}],`));
  const vocabs = model.vocabularies
    .map((v) => `    { name: ${str(v.name)}, namespace: ${str(v.namespaces[0]!)}, page: ${v.page}, publicId: 0x${v.publicIds[0]!.id.toString(16)}, fpi: ${str(v.fpis[0]!)} },`)
    .join('\n');
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['The code pages and identifiers as the WBXML reader needs them.'],
    declarations: [
      {
        name: 'wbxmlGrammar',
        type: 'WbxmlGrammar',
        initializer: `{
  tokens: WBXML,
  vocabularies: [\n${vocabs}\n  ],
  pageVocab: new Map([${model.vocabularies.map((v) => `[${v.page}, ${v.id}]`).join(', ')}]),
  names: new Map<number, readonly (string | undefined)[]>([\n${pages}\n  ]),
  publicIds: new Map([\n${publicIds.join('\n')}\n  ]),
  fpis: new Map([\n${fpis.join('\n')}\n  ]),
  root: ${str(model.root.name)},
  rootVocab: ${rootVocab.id},
}`,
      },
    ],
  });
}
