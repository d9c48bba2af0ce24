/** `omadm convert FILE|-`: a SyncML message from XML to WBXML, or from WBXML to XML, through its typed value. */
import { ExitCode, encodeForOutput, onePositional, parseCommandArgs, readInput, refuseBinaryToTerminal, reportInvalidInput, wbxmlEncodeOptions, wbxmlOptionSpecs, writeOutput } from '../command.js';
import type { CliIo } from '../io.js';
import { decodeSniffed, sniffFormat } from '../sniff.js';

export const name = 'convert';
export const summary = 'Convert a message from SyncML XML to WBXML, or back';
export const usage = `Usage: omadm convert [options] FILE|-

Reads a SyncML message from FILE, or from standard input for '-', and writes
it in the other encoding: XML becomes WBXML 1.3, WBXML becomes compact XML (one
line). The input's first byte tells which it is (a WBXML version, 0x01 to
0x03). The message goes through its typed value, decoded then encoded, so only
a valid message converts, and comments, layout and string table of the input
are not kept.

Options:
  --strings auto|inline|table
                         WBXML output: 'auto' (default) puts in the string
                         table exactly the strings that are smaller there,
                         'inline' none, 'table' all
  --fpi                  WBXML output: public id as the FPI in the string
                         table, not the registered id 0x1201
  --declaration          XML output: start with the XML declaration
  -o, --output FILE      Write to FILE instead of standard output ('-': stdout)
  -h, --help             Show this help

An option for the other output encoding is ignored, so one command line fits
inputs of both kinds. WBXML is not written to a terminal: use -o FILE or a
pipe.

Exit status: 0 converted; 1 not a valid message (reported on stderr as
'path: reason (offset N)'); 2 usage error, unreadable input or unwritable
output file, or WBXML to a terminal.`;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...wbxmlOptionSpecs,
    declaration: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(usage + '\n');
    return ExitCode.ok;
  }
  const wbxmlOptions = wbxmlEncodeOptions(values);
  const file = onePositional(positionals, 'FILE');
  const output = values.output as string | undefined;
  const input = await readInput(io, file);
  const toWbxml = sniffFormat(input) === 'xml';
  if (toWbxml) refuseBinaryToTerminal(io, output);

  let converted: string | Uint8Array;
  try {
    // (An EncodeError: a decoded message that the other encoding cannot carry.)
    converted = encodeForOutput(decodeSniffed(input).message, toWbxml ? wbxmlOptions : undefined, values.declaration === true);
  } catch (e) {
    if (reportInvalidInput(io, e)) return ExitCode.invalidInput;
    throw e;
  }
  await writeOutput(io, output, converted);
  return ExitCode.ok;
}
