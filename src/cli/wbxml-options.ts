/** The options of the verbs that write WBXML (encode --wbxml, convert): `--strings MODE` and `--fpi`. */
import type { WbxmlEncodeOptions } from '../index.js';
import { choiceParser } from './verb.js';

const STRING_TABLE_MODES = ['auto', 'inline', 'table'] as const;

export const STRINGS_FLAGS = '--strings <auto|inline|table>';
export const STRINGS_HELP =
  "WBXML strings: 'auto' (default) puts in the string table exactly the strings that are smaller there, 'inline' none, 'table' all";
export const FPI_HELP = 'WBXML public id as the FPI in the string table, not the registered id 0x1201';

/** Parses the value of `--strings`; anything but the three modes is a UsageError. */
export const parseStringsMode = choiceParser('--strings', STRING_TABLE_MODES);

/** `--strings` and `--fpi` as the WBXML encoder takes them. */
export function wbxmlEncodeOptions(values: { strings?: WbxmlEncodeOptions['strings'] | undefined; fpi?: true | undefined }): WbxmlEncodeOptions {
  return { strings: values.strings ?? 'auto', publicId: values.fpi === true ? 'fpi' : 'id' };
}
