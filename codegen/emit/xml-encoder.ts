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
import { bodyTailFlags, countedFields, fieldKind, importedTypeNames, keysCheck, memberDepth, messageParts, structuredElements } from './common.js';

export function emitXmlEncoder(model: Model, out: Output): void {
  const sf = out.ts('xml-encoder.ts', [...model.inputs.dtd, 'namespaces.tsv', 'embedding.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/xml-writer.js', namedImports: ['escapeText', 'type Utf8Surplus'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/value-checks.js', namedImports: ['refusedValue'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/utf8.js', namedImports: ['encodeUtf8'] });
  sf.addImportDeclaration({
    moduleSpecifier: './encode-checks.js',
    namedImports: ['MAX_ENCODE_DEPTH', 'findEncodeIssue', `find${messageParts(model).hdr.name}Issue`, 'locatedEncodeError', 'refuseUnknownKeys'],
  });
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
        w.writeLine(`const body = e${root.name}(message, 1, { surplus: 0 }, ${str(` xmlns="${rootNs}"`)});`);
        w.writeLine(`return options.declaration ? '<?xml version="1.0" encoding="UTF-8"?>' + body : body;`);
      });
      w.write('catch (error)').block(() => {
        w.writeLine('throw locatedEncodeError(error, () => findEncodeIssue(message));');
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
  // The frame of a message written member by member (the packer writes its commands in it):
  // the head (root start tag, header, body start tag) and the tail (the body's closing flags, end tags).
  const { hdr, body, commands } = messageParts(model);
  const tailFlags = bodyTailFlags(model);
  sf.addFunction({
    name: 'encodeXmlMessageHead',
    isExported: true,
    docs: [
      `The text of a message up to its first <${body.name}> member, given its <${hdr.name}>, its UTF-8 surplus added to \`count\`:\na message written member by member starts with it. Throws a located EncodeError for what encodeXmlString refuses\nin the header.`,
    ],
    parameters: [
      { name: 'header', type: hdr.typeName },
      { name: 'count', type: 'Utf8Surplus', initializer: '{ surplus: 0 }' },
    ],
    returnType: 'string',
    statements: (w) => {
      w.write('try').block(() => {
        w.writeLine(`return ${str(`<${root.name} xmlns="${rootNs}">`)} + e${hdr.name}(header, 2, count) + ${str(`<${body.name}>`)};`);
      });
      w.write('catch (error)').block(() => {
        w.writeLine(`throw locatedEncodeError(error, () => find${hdr.name}Issue(header));`);
      });
    },
  });
  sf.addFunction({
    name: 'xmlMessageTail',
    isExported: true,
    docs: [`The text of a message after its last <${body.name}> member, with or without ${tailFlags.map((f) => `<${f.element}/>`).join(', ')} (ASCII).`],
    parameters: tailFlags.map((f) => ({ name: f.field, type: 'boolean' })),
    returnType: 'string',
    statements: (w) => {
      w.writeLine(`let s = '';`);
      for (const f of tailFlags) w.writeLine(`if (${f.field}) s += ${str(`<${f.element}/>`)};`);
      w.writeLine(`return s + ${str(`</${body.name}></${root.name}>`)};`);
    },
  });
  if (commands) {
    const union = model.unions.find((u) => u.name === commands.union)!;
    sf.addFunction({
      name: `xml${union.name}Opening`,
      isExported: true,
      docs: [
        `The text a <${body.name}> member of kind \`kind\` starts with, up to the end of its CmdID \`cmdID\`; undefined for a kind\nthat does not start with its CmdID. (The packer renumbers a command it wrote by swapping this.)`,
      ],
      parameters: [
        { name: 'kind', type: `${union.name}['kind']` },
        { name: 'cmdID', type: 'string' },
      ],
      returnType: 'string | undefined',
      statements: (w) => {
        w.write('switch (kind)').block(() => {
          for (const m of union.members) {
            const first = particlesOf(model, model.byName.get(m)!)[0];
            if (first?.kind === 'element' && first.element === 'CmdID' && first.max === 1) {
              w.writeLine(`case ${str(m)}:\n  return ${str(`<${m}><CmdID>`)} + escapeText(cmdID, { surplus: 0 }) + '</CmdID>';`);
            }
          }
          w.writeLine('default:\n  return undefined;');
        });
      },
    });
  }

  // Pieces for messages written member by member: XML is context-free, so a member's text is the same
  // wherever it stands.
  for (const u of model.unions) {
    sf.addFunction({
      name: `encode${u.name}Xml`,
      isExported: true,
      docs: [
        `One <${u.owner}> member as compact XML text, exactly as it stands inside a message at depth \`depth\` (the\nroot is 1), its UTF-8 surplus added to \`count\`. Refuses what the encoders refuse with a bare EncodeError\n(find${u.name}Issue locates it).`,
      ],
      parameters: [
        { name: 'command', type: u.name },
        { name: 'depth', type: 'number', initializer: String(memberDepth(model, u.owner)) },
        { name: 'count', type: 'Utf8Surplus', initializer: '{ surplus: 0 }' },
      ],
      returnType: 'string',
      statements: `return e${u.name}(command, depth, count);`,
    });
  }

  for (const e of structuredElements(model)) {
    sf.addFunction({
      name: `e${e.name}`,
      parameters: [
        { name: 'v', type: e.typeName },
        { name: 'd', type: 'number' },
        { name: 'o', type: 'Utf8Surplus' },
        { name: 'ns', type: 'string', initializer: "''" },
      ],
      returnType: 'string',
      statements: (w) => writeElement(model, e, w),
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `e${u.name}`,
      parameters: [
        { name: 'v', type: u.name },
        { name: 'd', type: 'number' },
        { name: 'o', type: 'Utf8Surplus' },
      ],
      returnType: 'string',
      statements: (w) => {
        w.write('switch (v.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return e${m}(v, d, o);`);
          w.writeLine('default:\n  throw refusedValue();');
        });
      },
    });
  }
}

function writeElement(model: Model, e: Element, w: CodeBlockWriter): void {
  const embedded = e.content.kind === 'embedded';
  const childNs = embedded ? ` xmlns="${model.byName.get((e.content as { holds: string }).holds)!.vocabulary.namespaces[0]}"` : '';
  // The checks of encode-checks.ts, without paths: the entry point locates what they refuse.
  w.writeLine('if (typeof v !== \'object\' || v === null || d >= MAX_ENCODE_DEPTH) throw refusedValue();');
  w.writeLine(`let s = '<${e.name}' + ns + '>';`);
  const { base, counted } = countedFields(model, e);
  const particles = particlesOf(model, e);
  if (particles.some(counted)) w.writeLine(`let n = ${base};`);
  for (const p of particles) writeParticle(model, p, childNs, counted(p), w);
  w.writeLine(keysCheck(model, e));
  w.writeLine(`return s + '</${e.name}>';`);
}

function writeParticle(model: Model, p: Particle, childNs: string, counted: boolean, w: CodeBlockWriter): void {
  const kind = fieldKind(model, p);
  const value = (x: string): string => {
    switch (kind.kind) {
      case 'flag':
        return str(`<${kind.element}${childNs}/>`);
      case 'text':
        return `${str(`<${kind.element}${childNs}>`)} + escapeText(${x}, o) + ${str(`</${kind.element}>`)}`;
      case 'element':
        return `e${kind.element}(${x}, d + 1, o${childNs ? `, ${str(childNs)}` : ''})`;
      case 'choice':
        return `e${kind.union}(${x}, d + 1, o)`;
    }
  };
  const f = `v.${p.field}`;
  if (p.max === 1) {
    if (kind.kind === 'flag') {
      w.write('').block(() => {
        w.writeLine(`const b = ${f};`);
        w.write('if (b !== undefined)').block(() => {
          w.writeLine('n++;');
          w.writeLine(`if (b === true) s += ${value('b')};`);
          w.writeLine('else if (b !== false) throw refusedValue();');
        });
      });
    } else if (!counted) w.writeLine(`s += ${value(f)};`);
    else
      w.write(`if (${f} !== undefined)`).block(() => {
        w.writeLine('n++;');
        w.writeLine(`s += ${value(f)};`);
      });
    return;
  }
  w.write('').block(() => {
    w.writeLine(`const a = ${f};`);
    w.writeLine(`if (!Array.isArray(a)${p.min === 1 ? ' || a.length === 0' : ''}) throw refusedValue();`);
    w.writeLine(`for (const x of a) s += ${value('x')};`);
  });
}
