/** Builds a model from a DTD fragment and the fewest table rows it needs (codegen tests). */
import { parseDtdText } from '../../codegen/dtd-reader.js';
import { parseTable } from '../../codegen/table-reader.js';
import { buildModel, type Model } from '../../codegen/model.js';

export interface TinyOptions {
  readonly choiceFields?: readonly (readonly [string, number, string])[];
  readonly notDm?: readonly string[];
  readonly embedding?: readonly (readonly [string, string, string])[];
}

export function tinyModel(dtd: string, options: TinyOptions = {}): Model {
  const parsed = parseDtdText(dtd, 'tiny.dtd');
  const names = parsed.elements.map((e) => e.name);
  const tsv = (header: string, rows: readonly string[]) => [header, ...rows].join('\n');
  return buildModel({
    dtd: parsed,
    namespaces: parseTable(tsv('vocabulary\tnamespace\tfpi\tpublicid\tpage\tdtd\tpreferred', ['Tiny\turn:tiny\t-//TINY//EN\t0x01\t0\ttiny.dtd\tyes']), 'namespaces.tsv'),
    tokens: parseTable(tsv('vocabulary\tpage\ttoken\telement', names.map((n, i) => `Tiny\t0\t0x${(i + 5).toString(16)}\t${n}`)), 'wbxml-tokens.tsv'),
    dmProfile: parseTable(tsv('element\tdm\tnote', names.map((n) => `${n}\t${options.notDm?.includes(n) ? 'no\tnot DM' : 'yes\t'}`)), 'dm-profile.tsv'),
    fieldNames: parseTable(tsv('element\tgroup\tfield', (options.choiceFields ?? []).map(([e, g, f]) => `${e}\t${g}\t${f}`)), 'field-names.tsv'),
    embedding: parseTable(tsv('element\tholds\tinline-markup', (options.embedding ?? []).map((r) => r.join('\t'))), 'embedding.tsv'),
    alertCodes: parseTable('code\tname\tcategory\tdescription', 'alert-codes.tsv'),
    statusCodes: parseTable('code\tname\treason', 'status-codes.tsv'),
    formats: parseTable('value\tname\tdescription', 'format-values.tsv'),
    authTypes: parseTable('value\tname\tformat\tdescription', 'auth-types.tsv'),
    uiOptions: parseTable('option\tname\tvalue\talerts\tdescription', 'ui-options.tsv'),
    versions: parseTable('element\tvalue\tname\tdefault\tdescription', 'versions.tsv'),
    wbxmlGlobals: parseTable('name\tvalue\tdescription\nSWITCH_PAGE\t0\t\nEND\t1\t', 'wbxml-global-tokens.tsv'),
  });
}
