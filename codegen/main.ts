/**
 * `npm run codegen`: schemas/ → model → generated/. Reads the DTDs and tables, builds
 * the model, runs every emitter, and rewrites generated/ so that it holds exactly what
 * the emitters produced (stale files are removed). Deterministic: the same schemas give
 * the same bytes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDtd } from './dtd-reader.js';
import { readTable } from './table-reader.js';
import { buildModel, type Model } from './model.js';
import { Output } from './output.js';
import { emitTypes } from './emit/types.js';
import { emitGrammar } from './emit/grammar.js';
import { emitDecoder } from './emit/decoder.js';
import { emitLenientDecoder } from './emit/lenient-decoder.js';
import { emitWbxmlEncoder } from './emit/wbxml-encoder.js';
import { emitXmlEncoder } from './emit/xml-encoder.js';
import { emitEncodeChecks } from './emit/encode-checks.js';
import { emitValidators } from './emit/validators.js';
import { emitCodes } from './emit/codes.js';
import { emitBuilders } from './emit/builders.js';
import { emitArbitraries } from './emit/arbitraries.js';
import { emitXsd } from './emit/xsd.js';
import { emitIndex } from './emit/index.js';
import { emitCommandHelpers } from './emit/command-helpers.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

export function loadModel(schemas = join(repo, 'schemas')): Model {
  const t = (file: string, required: string[]) => readTable(schemas, file, required);
  return buildModel({
    dtd: readDtd(schemas, 'syncml12.dtd'),
    namespaces: t('namespaces.tsv', ['vocabulary', 'namespace', 'fpi', 'publicid', 'page', 'dtd']),
    tokens: t('wbxml-tokens.tsv', ['vocabulary', 'page', 'token', 'element']),
    dmProfile: t('dm-profile.tsv', ['element', 'dm']),
    fieldNames: t('field-names.tsv', ['element', 'group', 'field']),
    embedding: t('embedding.tsv', ['element', 'holds', 'inline-markup']),
    alertCodes: t('alert-codes.tsv', ['code', 'name']),
    statusCodes: t('status-codes.tsv', ['code', 'name', 'reason']),
    formats: t('format-values.tsv', ['value', 'name']),
    authTypes: t('auth-types.tsv', ['value', 'name']),
    uiOptions: t('ui-options.tsv', ['option', 'name']),
    versions: t('versions.tsv', ['element', 'value', 'name']),
    wbxmlGlobals: t('wbxml-global-tokens.tsv', ['name', 'value']),
    fieldValues: t('field-values.tsv', ['parent', 'element', 'values']),
    repairs: t('lenient-repairs.tsv', ['kind', 'parent', 'element', 'when', 'value']),
  });
}

/** Every generated file, by path relative to generated/. */
export function generate(model: Model): Map<string, string> {
  const out = new Output();
  emitTypes(model, out);
  emitGrammar(model, out);
  emitCodes(model, out);
  emitValidators(model, out);
  emitDecoder(model, out);
  emitLenientDecoder(model, out);
  emitWbxmlEncoder(model, out);
  emitXmlEncoder(model, out);
  emitEncodeChecks(model, out);
  emitBuilders(model, out);
  emitArbitraries(model, out);
  emitXsd(model, out);
  emitIndex(model, out);
  emitCommandHelpers(model, out);
  return out.render();
}

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function main(): void {
  const target = join(repo, 'generated');
  const files = generate(loadModel());
  let written = 0;
  for (const [path, text] of files) {
    const full = join(target, path);
    mkdirSync(dirname(full), { recursive: true });
    let old: string | undefined;
    try {
      old = readFileSync(full, 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== text) {
      writeFileSync(full, text);
      written++;
    }
  }
  let removed = 0;
  for (const full of listFiles(target)) {
    if (!files.has(relative(target, full).split('\\').join('/'))) {
      rmSync(full);
      removed++;
    }
  }
  console.log(`codegen: ${files.size} files in generated/ (${written} written, ${removed} removed)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
