/**
 * Emits generated/xml-encoder.ts: one encode function per element with element content,
 * writing children in content-model order as compact XML. Elements of an embedded
 * vocabulary (MetInf inside Meta) carry their namespace on the outermost tag.
 */
import type { CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { importedTypeNames, structuredElements } from './common.js';

export function emitXmlEncoder(model: Model, out: Output): void {
  const sf = out.ts('xml-encoder.ts', [...model.inputs.dtd, 'namespaces.tsv', 'embedding.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/xml-writer.js', namedImports: ['escapeText', 'escapedTextSize'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/errors.js', namedImports: ['EncodeError', 'isEncodeError'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/utf8.js', namedImports: ['encodeUtf8'] });
  sf.addImportDeclaration({ moduleSpecifier: './validators.js', namedImports: ['checkMessage'] });
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: importedTypeNames(model) });

  const root = model.root;
  const rootNs = root.vocabulary.namespaces[0]!;
  sf.addInterface({
    name: 'XmlEncodeOptions',
    isExported: true,
    properties: [{ name: 'declaration', type: 'boolean', hasQuestionToken: true, docs: ['Start with `<?xml version="1.0" encoding="UTF-8"?>`.'] }],
  });
  sf.addFunction({
    name: 'encodeXmlString',
    isExported: true,
    docs: [
      `Encodes a message as compact XML text. Throws EncodeError, naming the field, when the value breaks the\ncontent model or holds a character XML cannot carry.`,
    ],
    parameters: [
      { name: 'message', type: root.typeName },
      { name: 'options', type: 'XmlEncodeOptions', initializer: '{}' },
    ],
    returnType: 'string',
    statements: (w) => {
      w.write('try').block(() => {
        w.writeLine(`const body = e${root.name}(message, ${str(` xmlns="${rootNs}"`)});`);
        w.writeLine(`return options.declaration ? '<?xml version="1.0" encoding="UTF-8"?>' + body : body;`);
      });
      w.write('catch (error)').block(() => {
        w.writeLine('// Find where the value is wrong, with its path, from the value checks.');
        w.writeLine('const issue = checkMessage(message)[0];');
        w.writeLine('if (issue) throw new EncodeError(issue.reason, issue.path);');
        w.writeLine('if (isEncodeError(error)) throw error;');
        w.writeLine("throw new EncodeError(`value cannot be encoded: ${String(error)}`, '');");
      });
    },
  });
  sf.addFunction({
    name: 'encodeXml',
    isExported: true,
    docs: ['Encodes a message as UTF-8 XML bytes; see encodeXmlString.'],
    parameters: [
      { name: 'message', type: root.typeName },
      { name: 'options', type: 'XmlEncodeOptions', initializer: '{}' },
    ],
    returnType: 'Uint8Array',
    statements: 'return encodeUtf8(encodeXmlString(message, options));',
  });

  // The head of a message (root start tag, header, body start tag), for messages written
  // member by member: the packer writes its commands after it.
  const [hdrP, bodyP] = particlesOf(model, root);
  if (hdrP?.kind !== 'element' || bodyP?.kind !== 'element') throw new Error(`<${root.name}> is not (header, body)`);
  const hdr = model.byName.get(hdrP.element)!;
  const body = model.byName.get(bodyP.element)!;
  sf.addFunction({
    name: 'encodeXmlMessageHead',
    isExported: true,
    docs: [
      `The text of a message up to its first <${body.name}> member, given its <${hdr.name}>: a message written member by\nmember starts with it. Values are checked as the members' encoders check them (see encodeXmlString for\nlocated errors).`,
    ],
    parameters: [{ name: 'header', type: hdr.typeName }],
    returnType: 'string',
    statements: `return ${str(`<${root.name} xmlns="${rootNs}">`)} + e${hdr.name}(header) + ${str(`<${body.name}>`)};`,
  });

  // Pieces for packing messages: XML is context-free, so a message's size is the sum of its parts.
  for (const u of model.unions) {
    sf.addFunction({
      name: `encode${u.name}Xml`,
      isExported: true,
      docs: [`One <${u.owner}> member as compact XML text, exactly as it stands inside a message.`],
      parameters: [{ name: 'command', type: u.name }],
      returnType: 'string',
      statements: `return e${u.name}(command);`,
    });
    sf.addFunction({
      name: `xml${u.name}Size`,
      isExported: true,
      docs: [`UTF-8 bytes one <${u.owner}> member takes in a message, counted without writing it.`],
      parameters: [{ name: 'command', type: u.name }],
      returnType: 'number',
      statements: `return s${u.name}(command);`,
    });
  }

  for (const e of structuredElements(model)) {
    sf.addFunction({
      name: `e${e.name}`,
      parameters: [
        { name: 'v', type: e.typeName },
        { name: 'ns', type: 'string', initializer: "''" },
      ],
      returnType: 'string',
      statements: (w) => writeElement(model, e, w),
    });
  }
  // Size functions: the same walk as the encoders, adding lengths instead of strings.
  for (const e of structuredElements(model)) {
    sf.addFunction({
      name: `s${e.name}`,
      parameters: [
        { name: 'v', type: e.typeName },
        { name: 'ns', type: 'number', initializer: '0' },
      ],
      returnType: 'number',
      statements: (w) => writeSize(model, e, w),
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `s${u.name}`,
      parameters: [{ name: 'v', type: u.name }],
      returnType: 'number',
      statements: (w) => {
        w.write('switch (v.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return s${m}(v);`);
          w.writeLine(`default:\n  throw new EncodeError(\`unknown kind "\${String((v as { kind: unknown }).kind)}" in <${u.owner}>\`, '');`);
        });
      },
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `e${u.name}`,
      parameters: [{ name: 'v', type: u.name }],
      returnType: 'string',
      statements: (w) => {
        w.write('switch (v.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return e${m}(v);`);
          w.writeLine(`default:\n  throw new EncodeError(\`unknown kind "\${String((v as { kind: unknown }).kind)}" in <${u.owner}>\`, '');`);
        });
      },
    });
  }
}

function writeElement(model: Model, e: Element, w: CodeBlockWriter): void {
  const embedded = e.content.kind === 'embedded';
  const childNs = embedded ? str(` xmlns="${model.byName.get((e.content as { holds: string }).holds)!.vocabulary.namespaces[0]}"`) : "''";
  w.writeLine(`let s = '<${e.name}' + ns + '>';`);
  for (const p of particlesOf(model, e)) writeParticle(model, e, p, childNs, w);
  w.writeLine(`return s + '</${e.name}>';`);
}

function writeParticle(model: Model, parent: Element, p: Particle, childNs: string, w: CodeBlockWriter): void {
  const value = (element: string, x: string): string => {
    const c = model.byName.get(element)!;
    switch (c.content.kind) {
      case 'empty':
        return `'<${element}' + ${childNs} + '/>'`;
      case 'text':
        return childNs === "''" ? `'<${element}>' + escapeText(${x}) + '</${element}>'` : `'<${element}' + ${childNs} + '>' + escapeText(${x}) + '</${element}>'`;
      default:
        return `e${element}(${x}${childNs === "''" ? '' : ', ' + childNs})`;
    }
  };
  const f = `v.${p.field}`;
  if (p.kind === 'choice') {
    if (p.max === 1) {
      w.writeLine(p.min === 1 ? `s += e${p.union}(${f});` : `if (${f} !== undefined) s += e${p.union}(${f});`);
    } else {
      if (p.min === 1) writeNonEmptyCheck(parent, p, w);
      w.writeLine(`for (const x of ${f}) s += e${p.union}(x);`);
    }
    return;
  }
  const c = model.byName.get(p.element)!;
  if (p.max === 1) {
    if (c.content.kind === 'empty') w.writeLine(`if (${f}) s += ${value(p.element, f)};`);
    else if (p.min === 1) w.writeLine(`s += ${value(p.element, f)};`);
    else w.writeLine(`if (${f} !== undefined) s += ${value(p.element, f)};`);
  } else {
    if (p.min === 1) writeNonEmptyCheck(parent, p, w);
    w.writeLine(`for (const x of ${f}) s += ${value(p.element, 'x')};`);
  }
}

function writeNonEmptyCheck(parent: Element, p: Particle, w: CodeBlockWriter): void {
  const what = p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
  w.writeLine(`if (v.${p.field}.length === 0) throw new EncodeError(${str(`<${parent.name}> needs at least one ${what}`)}, '');`);
}

/** Bytes of `<Name` + `>` + `</Name>` (tags are ASCII). */
function tagPairLength(name: string): number {
  return `<${name}></${name}>`.length;
}

function writeSize(model: Model, e: Element, w: CodeBlockWriter): void {
  const embedded = e.content.kind === 'embedded';
  const childNsText = embedded ? ` xmlns="${model.byName.get((e.content as { holds: string }).holds)!.vocabulary.namespaces[0]}"` : '';
  const childNs = childNsText.length;
  w.writeLine(`let n = ${tagPairLength(e.name)} + ns;`);
  for (const p of particlesOf(model, e)) {
    const f = `v.${p.field}`;
    const one = (element: string, x: string): string => {
      const c = model.byName.get(element)!;
      switch (c.content.kind) {
        case 'empty':
          return `${`<${element}/>`.length + childNs}`;
        case 'text':
          return `${tagPairLength(element) + childNs} + escapedTextSize(${x})`;
        default:
          return `s${element}(${x}${childNs ? `, ${childNs}` : ''})`;
      }
    };
    if (p.kind === 'choice') {
      if (p.max === 1) w.writeLine(p.min === 1 ? `n += s${p.union}(${f});` : `if (${f} !== undefined) n += s${p.union}(${f});`);
      else w.writeLine(`for (const x of ${f}) n += s${p.union}(x);`);
      continue;
    }
    const c = model.byName.get(p.element)!;
    if (p.max === 1) {
      if (c.content.kind === 'empty') w.writeLine(`if (${f}) n += ${one(p.element, f)};`);
      else if (p.min === 1) w.writeLine(`n += ${one(p.element, f)};`);
      else w.writeLine(`if (${f} !== undefined) n += ${one(p.element, f)};`);
    } else {
      w.writeLine(`for (const x of ${f}) n += ${one(p.element, 'x')};`);
    }
  }
  w.writeLine('return n;');
}
