/** `omadm encode FILE.json|-`: a JSON message value (as `omadm decode` prints it), written as SyncML XML or WBXML. */
import { parseMessage } from '../../index.js';
import { ExitCode, UsageError, encodeForOutput, inputLabel, onePositional, parseCommandArgs, readInput, refuseBinaryToTerminal, reportInvalidInput, wbxmlEncodeOptions, wbxmlOptionSpecs, writeOutput } from '../command.js';
import type { CliIo } from '../io.js';

export const name = 'encode';
export const summary = 'Encode a JSON message as SyncML XML or WBXML';
export const usage = `Usage: omadm encode [options] FILE.json|-

Reads a message as JSON (the form 'omadm decode' prints) from FILE.json, or
from standard input for '-', checks it against the SyncML content model and
prints it as compact SyncML XML, or with --wbxml as WBXML 1.3 bytes.

Options:
  --declaration          Start the XML with <?xml version="1.0"
                         encoding="UTF-8"?>
  --wbxml                Write WBXML 1.3 instead of XML (not to a terminal:
                         use -o FILE or a pipe)
  --strings auto|inline|table
                         WBXML strings: 'auto' (default) puts in the string
                         table exactly the strings that are smaller there,
                         'inline' none, 'table' all
  --fpi                  WBXML public id as the FPI in the string table, not
                         the registered id 0x1201
  -o, --output FILE      Write to FILE instead of standard output ('-': stdout)
  -h, --help             Show this help

Exit status: 0 encoded; 1 invalid JSON or not a valid message (one
'path: reason' line per problem on stderr); 2 usage error, unreadable input
or unwritable output file, or WBXML to a terminal.`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    declaration: { type: 'boolean' },
    wbxml: { type: 'boolean' },
    ...wbxmlOptionSpecs,
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(usage + '\n');
    return ExitCode.ok;
  }
  const wbxml = values.wbxml === true;
  if (wbxml && values.declaration === true) throw new UsageError("option '--declaration' is for XML, not --wbxml");
  if (!wbxml && values.strings !== undefined) throw new UsageError("option '--strings' needs --wbxml");
  if (!wbxml && values.fpi === true) throw new UsageError("option '--fpi' needs --wbxml");
  const wbxmlOptions = wbxmlEncodeOptions(values);
  const file = onePositional(positionals, 'FILE');
  const output = values.output as string | undefined;
  if (wbxml) refuseBinaryToTerminal(io, output);
  const input = await readInput(io, file);

  let text: string;
  try {
    text = utf8.decode(input);
  } catch {
    io.stderr(`omadm encode: ${inputLabel(file)}: input is not valid UTF-8\n`);
    return ExitCode.invalidInput;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.stderr(`omadm encode: ${inputLabel(file)}: invalid JSON: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.invalidInput;
  }

  let encoded: string | Uint8Array;
  try {
    encoded = encodeForOutput(parseMessage(json, { profile: 'syncml' }), wbxml ? wbxmlOptions : undefined, values.declaration === true);
  } catch (e) {
    if (reportInvalidInput(io, e)) return ExitCode.invalidInput;
    throw e;
  }
  await writeOutput(io, output, encoded);
  return ExitCode.ok;
}
