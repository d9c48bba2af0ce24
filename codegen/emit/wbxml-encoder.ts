/**
 * Emits generated/wbxml-encoder.ts: one write function per element with element content,
 * emitting tag tokens of the element's code page into a WbxmlSink. The same functions
 * build the bytes, count them (exact size without building anything) and count string
 * repeats (to choose the string table).
 */
import { VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { bodyTailFlags, countedFields, fieldKind, importedTypeNames, keysCheck, memberDepth, messageParts, structuredElements } from './common.js';

export function emitWbxmlEncoder(model: Model, out: Output): void {
  const sf = out.ts('wbxml-encoder.ts', [...model.inputs.dtd, 'namespaces.tsv', 'wbxml-tokens.tsv', 'wbxml-global-tokens.tsv']);
  sf.addImportDeclaration({
    moduleSpecifier: '../src/runtime/wbxml-writer.js',
    namedImports: ['BytesSink', 'SizeSink', 'StringCountSink', 'chooseStringTable', 'type WbxmlSink'],
  });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/value-checks.js', namedImports: ['refusedValue'] });
  sf.addImportDeclaration({ moduleSpecifier: './grammar.js', namedImports: ['WBXML', 'wbxmlGrammar'] });
  sf.addImportDeclaration({
    moduleSpecifier: './encode-checks.js',
    namedImports: ['MAX_ENCODE_DEPTH', 'findEncodeIssue', `find${messageParts(model).hdr.name}Issue`, 'locatedEncodeError', 'refuseUnknownKeys'],
  });
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: importedTypeNames(model) });

  const root = model.root;
  const R = root.typeName;
  sf.addInterface({
    name: 'WbxmlEncodeOptions',
    isExported: true,
    properties: [
      {
        name: 'strings',
        type: "'auto' | 'inline' | 'table'",
        hasQuestionToken: true,
        docs: [
          '`inline`: every string as STR_I; `table`: every string once in the string table, referenced by STR_T;\n`auto` (default): the table holds exactly the strings whose references make the message smaller.',
        ],
      },
      {
        name: 'publicId',
        type: "'id' | 'fpi'",
        hasQuestionToken: true,
        docs: ['`id` (default): the registered public id (0x1201); `fpi`: public id 0 and the FPI in the string table.'],
      },
    ],
  });
  sf.addFunction({
    name: 'prepare',
    parameters: [
      { name: 'message', type: R },
      { name: 'options', type: 'WbxmlEncodeOptions' },
    ],
    returnType: '{ header: Uint8Array; table: Map<string, number> | undefined }',
    statements: (w) => {
      w.writeLine('const vocab = wbxmlGrammar.vocabularies[wbxmlGrammar.rootVocab]!;');
      w.writeLine("const reserved = options.publicId === 'fpi' ? [vocab.fpi] : [];");
      w.writeLine("const strings = options.strings ?? 'auto';");
      w.writeLine('// The string table holds the FPI when it names the document; with inline strings, texts never refer to it.');
      w.writeLine('let table: Map<string, number>;');
      w.writeLine('let refs: Map<string, number> | undefined;');
      w.write("if (strings === 'inline')").block(() => {
        w.writeLine('table = chooseStringTable(new Map(), false, reserved);');
      });
      w.write('else').block(() => {
        w.writeLine('const counter = new StringCountSink();');
        w.writeLine(`w${root.name}(message, counter, 1);`);
        w.writeLine("table = chooseStringTable(counter.counts, strings === 'table', reserved);");
        w.writeLine('refs = table.size > 0 ? table : undefined;');
      });
      w.writeLine('const h = new BytesSink(WBXML, undefined, 64);');
      w.writeLine('h.byte(WBXML.VERSION_1_3);');
      w.write("if (options.publicId === 'fpi')").block(() => {
        w.writeLine('h.mbUint32(0);');
        w.writeLine('h.mbUint32(0);');
      });
      w.writeLine('else h.mbUint32(vocab.publicId);');
      w.writeLine('h.mbUint32(WBXML.CHARSET_UTF8);');
      w.writeLine('const strtbl = new BytesSink(WBXML, undefined, 64);');
      w.writeLine('for (const s of table.keys()) strtbl.termString(s);');
      w.writeLine('h.mbUint32(strtbl.length);');
      w.writeLine('h.bytes(strtbl.result());');
      w.writeLine('return { header: h.result(), table: refs };');
    },
  });
  const guarded = (w: CodeBlockWriter, body: () => void): void => {
    w.write('try').block(body);
    w.write('catch (error)').block(() => {
      w.writeLine('throw locatedEncodeError(error, () => findEncodeIssue(message));');
    });
  };
  sf.addFunction({
    name: 'encodeWbxml',
    isExported: true,
    docs: ['Encodes a message as WBXML 1.3 (UTF-8). Throws EncodeError, naming the field, for a value that breaks the\ncontent model or holds a character the encoding cannot carry.'],
    parameters: [
      { name: 'message', type: R },
      { name: 'options', type: 'WbxmlEncodeOptions', initializer: '{}' },
    ],
    returnType: 'Uint8Array',
    statements: (w) =>
      guarded(w, () => {
        w.writeLine('const { header, table } = prepare(message, options);');
        w.writeLine('const body = new BytesSink(WBXML, table, 1024);');
        w.writeLine('body.bytes(header);');
        w.writeLine(`w${root.name}(message, body, 1);`);
        w.writeLine('return body.result();');
      }),
  });
  sf.addFunction({
    name: 'writeWbxmlInline',
    isExported: true,
    docs: [
      'Writes the whole message into `sink` as `encodeWbxml(message, { strings: \'inline\' })` would (registered\npublic id, no string table), for callers that assemble messages in a sink of their own. Refuses what the\nencoders refuse with a bare EncodeError (findEncodeIssue locates it).',
    ],
    parameters: [
      { name: 'message', type: R },
      { name: 'sink', type: 'BytesSink' },
    ],
    returnType: 'void',
    statements: (w) => {
      w.writeLine('sink.bytes(inlineDocumentHeader());');
      w.writeLine(`w${root.name}(message, sink, 1);`);
    },
  });
  sf.addVariableStatement({
    declarationKind: VariableDeclarationKind.Let,
    docs: ['The document header of inline-string messages (it does not depend on the message).'],
    declarations: [{ name: 'inlineHeader', type: 'Uint8Array | undefined' }],
  });
  sf.addFunction({
    name: 'inlineDocumentHeader',
    docs: ['The document header of inline-string messages: version, registered public id, UTF-8, an empty string table.'],
    returnType: 'Uint8Array',
    statements: (w) => {
      w.writeLine('if (inlineHeader) return inlineHeader;');
      w.writeLine('const h = new BytesSink(WBXML, undefined, 8);');
      w.writeLine('h.byte(WBXML.VERSION_1_3);');
      w.writeLine('h.mbUint32(wbxmlGrammar.vocabularies[wbxmlGrammar.rootVocab]!.publicId);');
      w.writeLine('h.mbUint32(WBXML.CHARSET_UTF8);');
      w.writeLine('h.mbUint32(0);');
      w.writeLine('inlineHeader = h.result();');
      w.writeLine('return inlineHeader;');
    },
  });

  // The frame of a message written member by member into one sink (the packer writes its
  // commands in it): head (document header, root and header, body start tag), then tail.
  const { hdr, body } = messageParts(model);
  const tailFlags = bodyTailFlags(model);
  sf.addFunction({
    name: 'writeWbxmlMessageHead',
    isExported: true,
    docs: [
      `Writes into \`sink\` a message as writeWbxmlInline would, up to its first <${body.name}> member, given its <${hdr.name}>.\nThrows a located EncodeError for what encodeWbxml refuses in the header.`,
    ],
    parameters: [
      { name: 'header', type: hdr.typeName },
      { name: 'sink', type: 'BytesSink' },
    ],
    returnType: 'void',
    statements: (w) => {
      w.write('try').block(() => {
        w.writeLine('sink.bytes(inlineDocumentHeader());');
        w.writeLine(`sink.start(${tokenArgs(model, root.name)}); // <${root.name}>`);
        w.writeLine(`w${hdr.name}(header, sink, 2);`);
        w.writeLine(`sink.start(${tokenArgs(model, body.name)}); // <${body.name}>`);
      });
      w.write('catch (error)').block(() => {
        w.writeLine(`throw locatedEncodeError(error, () => find${hdr.name}Issue(header));`);
      });
    },
  });
  sf.addFunction({
    name: 'writeWbxmlMessageTail',
    isExported: true,
    docs: [
      `Writes into \`sink\` what follows the last <${body.name}> member of a message, with or without ${tailFlags.map((f) => `<${f.element}/>`).join(', ')}\n(switching back to its code page when needed).`,
    ],
    parameters: [{ name: 'sink', type: 'WbxmlSink' }, ...tailFlags.map((f) => ({ name: f.field, type: 'boolean' }))],
    returnType: 'void',
    statements: (w) => {
      for (const f of tailFlags) w.writeLine(`if (${f.field}) sink.empty(${tokenArgs(model, f.element)}); // <${f.element}/>`);
      w.writeLine(`sink.end(); // </${body.name}>`);
      w.writeLine(`sink.end(); // </${root.name}>`);
    },
  });
  sf.addFunction({
    name: 'wbxmlSize',
    isExported: true,
    docs: ['The exact length of `encodeWbxml(message, options)`, computed without building the bytes.'],
    parameters: [
      { name: 'message', type: R },
      { name: 'options', type: 'WbxmlEncodeOptions', initializer: '{}' },
    ],
    returnType: 'number',
    statements: (w) =>
      guarded(w, () => {
        w.writeLine('const { header, table } = prepare(message, options);');
        w.writeLine('const sizer = new SizeSink(WBXML, table);');
        w.writeLine(`w${root.name}(message, sizer, 1);`);
        w.writeLine('return header.length + sizer.size;');
      }),
  });

  // Writing one member into a caller's sink, for messages assembled piece by piece.
  for (const u of model.unions) {
    sf.addFunction({
      name: `write${u.name}Wbxml`,
      isExported: true,
      docs: [
        `Writes one <${u.owner}> member into \`sink\`, after whatever it holds, switching code pages from the one in\nforce there, as it stands in a message at depth \`depth\` (the root is 1). Refuses what the encoders refuse\nwith a bare EncodeError (find${u.name}Issue locates it).`,
      ],
      parameters: [
        { name: 'command', type: u.name },
        { name: 'sink', type: 'WbxmlSink' },
        { name: 'depth', type: 'number', initializer: String(memberDepth(model, u.owner)) },
      ],
      returnType: 'void',
      statements: (w) => {
        w.writeLine(`w${u.name}(command, sink, depth);`);
      },
    });
  }

  for (const e of structuredElements(model)) {
    sf.addFunction({
      name: `w${e.name}`,
      parameters: [
        { name: 'v', type: e.typeName },
        { name: 's', type: 'WbxmlSink' },
        { name: 'd', type: 'number' },
      ],
      returnType: 'void',
      statements: (w) => writeElement(model, e, w),
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `w${u.name}`,
      parameters: [
        { name: 'v', type: u.name },
        { name: 's', type: 'WbxmlSink' },
        { name: 'd', type: 'number' },
      ],
      returnType: 'void',
      statements: (w) => {
        w.write('switch (v.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return w${m}(v, s, d);`);
          w.writeLine('default:\n  throw refusedValue();');
        });
      },
    });
  }
}

function tokenArgs(model: Model, element: string): string {
  const e = model.byName.get(element)!;
  return `${e.vocabulary.page}, 0x${e.wbxmlToken.toString(16).toUpperCase().padStart(2, '0')}`;
}

function writeElement(model: Model, e: Element, w: CodeBlockWriter): void {
  // The checks of encode-checks.ts, without paths: the entry point locates what they refuse.
  w.writeLine("if (typeof v !== 'object' || v === null || d >= MAX_ENCODE_DEPTH) throw refusedValue();");
  w.writeLine(`s.start(${tokenArgs(model, e.name)}); // <${e.name}>`);
  const { base, counted } = countedFields(model, e);
  const particles = particlesOf(model, e);
  if (particles.some(counted)) w.writeLine(`let n = ${base};`);
  for (const p of particles) writeParticle(model, p, counted(p), w);
  // (The string count is followed by the pass that writes: that one looks at the keys.)
  w.write('if (s.checksFields)').block(() => w.writeLine(keysCheck(model, e)));
  w.writeLine('s.end();');
}

function writeParticle(model: Model, p: Particle, counted: boolean, w: CodeBlockWriter): void {
  const f = `v.${p.field}`;
  const kind = fieldKind(model, p);
  const one = (x: string): string => {
    switch (kind.kind) {
      case 'flag':
        return `s.empty(${tokenArgs(model, kind.element)});`;
      case 'text':
        return `s.start(${tokenArgs(model, kind.element)});\ns.text(${x});\ns.end();`;
      case 'element':
        return `w${kind.element}(${x}, s, d + 1);`;
      case 'choice':
        return `w${kind.union}(${x}, s, d + 1);`;
    }
  };
  if (p.max === 1) {
    if (kind.kind === 'flag') {
      w.write('').block(() => {
        w.writeLine(`const b = ${f};`);
        w.write('if (b !== undefined)').block(() => {
          w.writeLine('n++;');
          w.write('if (b === true)').block(() => w.writeLine(one('b')));
          w.writeLine('else if (b !== false) throw refusedValue();');
        });
      });
    } else if (!counted) w.writeLine(one(f));
    else
      w.write(`if (${f} !== undefined)`).block(() => {
        w.writeLine('n++;');
        w.writeLine(one(f));
      });
    return;
  }
  w.write('').block(() => {
    w.writeLine(`const a = ${f};`);
    w.writeLine(`if (!Array.isArray(a)${p.min === 1 ? ' || a.length === 0' : ''}) throw refusedValue();`);
    w.write('for (const x of a)').block(() => w.writeLine(one('x')));
  });
}
