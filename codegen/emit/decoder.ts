/**
 * Emits generated/decoder.ts: one strict decode function per element with element
 * content, walking its content model particle by particle over an ElementReader (the
 * XML reader or the WBXML reader: the same functions read both encodings). Order,
 * cardinality, duplicates, unknown elements and the DM profile are checked as the
 * children arrive; nothing is buffered. Also emits the two entry points,
 * generated/xml-decoder.ts and generated/wbxml-decoder.ts.
 */
import type { CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { fieldType, importedTypeNames, isOptionalField, structuredElements, valueType } from './common.js';
import { absent, childVocab, profileCheck, readValue, requiredWhat, writeAnyOrder, type DecoderFamily } from './decoding.js';

const OPTIONS_DOCS = {
  limits: 'Bounds on input size, depth, element count and text length.',
  profile: "`dm` refuses elements OMA DM does not use (Sync, Map, Search, ...); `syncml` (default) reads all of SyncML.",
  lenient:
    'Recover from the slips real clients make where the meaning is not in doubt (children out of DTD order, a SyncHdr Status without CmdRef, `Chr` for `chr`, a WBXML public id without its NUL, ...: LENIENT_SLIPS), each recorded in `warnings`. Default false: strict.',
  warnings: 'Where a lenient decode puts a DecodeWarning for each slip it recovered from (at most MAX_WARNINGS, then one `warnings-truncated`).',
};

export function emitDecoder(model: Model, out: Output): void {
  const sf = out.ts('decoder.ts', [...model.inputs.dtd, 'namespaces.tsv', 'dm-profile.tsv', 'embedding.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/element-reader.js', isTypeOnly: true, namedImports: ['ElementReader'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/limits.js', isTypeOnly: true, namedImports: ['DecodeLimits'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/errors.js', isTypeOnly: true, namedImports: ['DecodeWarning'] });
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: importedTypeNames(model) });

  sf.addInterface({
    name: 'DecodeOptions',
    isExported: true,
    properties: [
      { name: 'limits', type: 'Partial<DecodeLimits>', hasQuestionToken: true, docs: [OPTIONS_DOCS.limits] },
      { name: 'profile', type: "'syncml' | 'dm'", hasQuestionToken: true, docs: [OPTIONS_DOCS.profile] },
      { name: 'lenient', type: 'boolean', hasQuestionToken: true, docs: [OPTIONS_DOCS.lenient] },
      { name: 'warnings', type: 'DecodeWarning[]', hasQuestionToken: true, docs: [OPTIONS_DOCS.warnings] },
    ],
  });
  sf.addFunction({
    name: 'decodeMessage',
    isExported: true,
    docs: [`Reads the content of the root <${model.root.name}> element, whose start the reader has just read.`],
    parameters: [{ name: 'r', type: 'ElementReader' }],
    returnType: model.root.typeName,
    statements: `return d${model.root.name}(r);`,
  });
  for (const e of structuredElements(model)) {
    sf.addFunction({
      name: `d${e.name}`,
      parameters: [{ name: 'r', type: 'ElementReader' }],
      returnType: e.typeName,
      statements: (w) => (e.content.kind === 'embedded' ? writeEmbedded(model, e, w) : writeSequence(model, e, w)),
    });
  }

  const entry = (file: string, fn: string, reader: string, grammar: string, inputType: string, what: string): void => {
    const ef = out.ts(file, [...model.inputs.dtd, 'namespaces.tsv', 'wbxml-tokens.tsv']);
    ef.addImportDeclaration({ moduleSpecifier: `../src/runtime/${file.replace('-decoder.ts', '-reader.js')}`, namedImports: [reader] });
    ef.addImportDeclaration({ moduleSpecifier: '../src/runtime/limits.js', namedImports: ['resolveLimits'] });
    ef.addImportDeclaration({ moduleSpecifier: '../src/runtime/lenient.js', namedImports: ['WarningLog'] });
    ef.addImportDeclaration({ moduleSpecifier: './grammar.js', namedImports: [grammar] });
    ef.addImportDeclaration({ moduleSpecifier: './decoder.js', namedImports: ['decodeMessage', 'type DecodeOptions'] });
    ef.addImportDeclaration({ moduleSpecifier: './lenient-decoder.js', namedImports: ['decodeMessageLenient'] });
    ef.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: [model.root.typeName] });
    ef.addTypeAlias({ name: `${fn === 'decodeXml' ? 'Xml' : 'Wbxml'}DecodeOptions`, isExported: true, type: 'DecodeOptions' });
    ef.addFunction({
      name: fn,
      isExported: true,
      docs: [
        `Decodes a complete <${model.root.name}> message from ${what}. Throws DecodeError, with the element path and\nbyte offset, for anything that is not a well-formed message of the grammar; ArgumentError, at the call, for an\ninput of another type or a limit that is not a usable integer. With \`lenient: true\`, recovers from the\nslips of LENIENT_SLIPS, each put in \`warnings\`.`,
      ],
      parameters: [
        { name: 'input', type: inputType },
        { name: 'options', type: 'DecodeOptions', initializer: '{}' },
      ],
      returnType: model.root.typeName,
      statements: (w) => {
        w.writeLine(`const r = new ${reader}(input, ${grammar}, resolveLimits(options.limits));`);
        w.writeLine("r.dmOnly = options.profile === 'dm';");
        w.write('if (options.lenient === true)').block(() => {
          w.writeLine('r.lenient = true;');
          w.writeLine('r.warnings = new WarningLog(options.warnings);');
        });
        w.writeLine('r.openRoot();');
        w.writeLine('const message = r.lenient ? decodeMessageLenient(r) : decodeMessage(r);');
        w.writeLine('r.finish();');
        w.writeLine('return message;');
      },
    });
  };
  entry('xml-decoder.ts', 'decodeXml', 'XmlReader', 'grammar', 'Uint8Array | ArrayBuffer | string', 'UTF-8 XML bytes (a Uint8Array, Buffer or ArrayBuffer) or a string');
  entry('wbxml-decoder.ts', 'decodeWbxml', 'WbxmlReader', 'wbxmlGrammar', 'Uint8Array | ArrayBuffer', 'WBXML bytes (a Uint8Array, Buffer or ArrayBuffer)');
}

const STRICT: DecoderFamily = { prefix: 'd' };

function writeSequence(model: Model, e: Element, w: CodeBlockWriter): void {
  const particles = particlesOf(model, e);
  const V = childVocab(model, e);
  const allNames = particles.flatMap((p) => (p.kind === 'element' ? [p.element] : [...p.elements]));
  w.writeLine(e.tagged ? `const o = { kind: ${str(e.name)} } as ${e.typeName};` : `const o = {} as ${e.typeName};`);
  w.writeLine(`let n = r.nextChild(${V});`);
  for (const p of particles) writeParticle(model, e, p, V, w);
  w.writeLine(`if (n !== null) r.unexpected(n, ${V}, ${str(e.name)}, [], [${allNames.map(str).join(', ')}]);`);
  w.writeLine('return o;');
}

function writeParticle(model: Model, parent: Element, p: Particle, V: number, w: CodeBlockWriter): void {
  const P = str(parent.name);
  if (p.kind === 'element') {
    const N = str(p.element);
    if (p.max === 1) {
      if (p.min === 1 && !isOptionalField(model, p)) {
        w.writeLine(`if (n !== ${N}) r.missing(${str(`<${p.element}>`)}, ${P}, n);`);
        profileCheck(model, p.element, parent.name, w);
        w.writeLine(`o.${p.field} = ${readValue(model, STRICT, p.element)};`);
        w.writeLine(`n = r.nextChild(${V});`);
        w.writeLine(`if (n === ${N}) r.duplicate(${N}, ${P});`);
      } else {
        w.write(`if (n === ${N})`).block(() => {
          profileCheck(model, p.element, parent.name, w);
          const value = readValue(model, STRICT, p.element);
          w.writeLine(value === '(r.readEmpty(), true)' ? `r.readEmpty();\no.${p.field} = true;` : `o.${p.field} = ${value};`);
          w.writeLine(`n = r.nextChild(${V});`);
          w.writeLine(`if (n === ${N}) r.duplicate(${N}, ${P});`);
        });
        if (p.min === 1) w.writeLine(`else r.missing(${str(`<${p.element}>`)}, ${P}, n);`);
      }
    } else {
      const list = `${p.field}`;
      w.writeLine(`const ${list}: ${valueType(model, p)}[] = [];`);
      w.write(`while (n === ${N})`).block(() => {
        w.writeLine(`r.nth(${list}.length + 1);`);
        profileCheck(model, p.element, parent.name, w);
        w.writeLine(`${list}.push(${readValue(model, STRICT, p.element)});`);
        w.writeLine(`n = r.nextChild(${V});`);
      });
      if (p.min === 1) w.writeLine(`if (${list}.length === 0) r.missing(${str(`<${p.element}>`)}, ${P}, n);`);
      w.writeLine(`o.${p.field} = ${list} as ${fieldType(model, p)};`);
    }
    return;
  }
  // A choice of elements. In a repeated choice, each member counts its own (for paths
  // such as Replace[2]: the second Replace, whatever came between).
  const counter = (i: number): string => `${p.field}Seen${i}`;
  const writeCases = (onValue: (value: string) => string): void => {
    p.elements.forEach((m, i) => {
      w.writeLine(`case ${str(m)}:`);
      w.indent(() => {
        if (p.max !== 1) w.writeLine(`r.nth(++${counter(i)});`);
        profileCheck(model, m, parent.name, w);
        w.writeLine(onValue(readValue(model, STRICT, m)));
        w.writeLine('break;');
      });
    });
  };
  const members = p.elements.map((m) => `<${m}>`).join(' or ');
  if (p.max === 1) {
    w.write('switch (n)').block(() => {
      writeCases((v) => `o.${p.field} = ${v};\nn = r.nextChild(${V});`);
      if (p.min === 1) w.writeLine(`default:\n  r.missing(${str(members)}, ${P}, n);`);
    });
    return;
  }
  const list = p.field;
  w.writeLine(`const ${list}: ${p.union}[] = [];`);
  w.writeLine(`let ${p.elements.map((_, i) => `${counter(i)} = 0`).join(', ')};`);
  w.write(`${list}Loop: for (;;)`).block(() => {
    w.write('switch (n)').block(() => {
      writeCases((v) => `${list}.push(${v});`);
      w.writeLine(`default:\n  break ${list}Loop;`);
    });
    w.writeLine(`n = r.nextChild(${V});`);
  });
  if (p.min === 1) w.writeLine(`if (${list}.length === 0) r.missing(${str(members)}, ${P}, n);`);
  w.writeLine(`o.${p.field} = ${list} as ${fieldType(model, p)};`);
}

/** Embedded vocabulary (Meta holding MetInf): children in any order, each at most as often as the held content allows. */
function writeEmbedded(model: Model, e: Element, w: CodeBlockWriter): void {
  const particles = particlesOf(model, e);
  for (const p of particles) if (p.kind !== 'element') throw new Error(`embedded content of <${e.name}> with a choice is not supported`);
  writeAnyOrder(model, STRICT, e, {
    orderSlips: false,
    required: (w) => {
      for (const p of particles) if (p.min === 1) w.writeLine(`if (${absent(p)}) r.missing(${str(requiredWhat(p))}, ${str(e.name)}, null);`);
    },
  }, w);
}
