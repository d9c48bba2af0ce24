/** `omadm convert FILE|-`: a SyncML message from XML to WBXML, or from WBXML to XML, through its typed value. */
import { ExitCode, encodeForOutput, readInput, refuseBinaryToTerminal, reportInvalidInput, writeOutput } from '../command.js';
import { PROFILE_FLAGS, parseProfile, profileHelp } from '../profile-option.js';
import { decodeSniffed, sniffFormat } from '../sniff.js';
import { MAX_BYTES_FLAGS, MAX_BYTES_HELP, MAX_TEXT_FLAGS, MAX_TEXT_HELP, decodeLimitsOf, maxBytesOf, parseMaxBytes, parseMaxText } from '../limit-options.js';
import { defineVerb, verbCommand } from '../verb.js';
import { FPI_HELP, STRINGS_FLAGS, STRINGS_HELP, parseStringsMode, wbxmlEncodeOptions } from '../wbxml-options.js';

export default defineVerb({
  summary: 'Convert a message from SyncML XML to WBXML, or back',
  command: () =>
    verbCommand(
      'convert',
      `Reads a SyncML message from FILE, or from standard input for '-', and writes it in the other encoding: XML becomes WBXML 1.3, WBXML becomes compact XML (one line). The input's first byte tells which it is (a WBXML version, 0x01 to 0x03). The message goes through its typed value, decoded then encoded, so only a valid message converts, and comments, layout and string table of the input are not kept.`,
    )
      .usage('[options] FILE|-')
      .argument('<FILE>')
      .option(MAX_BYTES_FLAGS, MAX_BYTES_HELP, parseMaxBytes)
      .option(MAX_TEXT_FLAGS, MAX_TEXT_HELP, parseMaxText)
      .option(STRINGS_FLAGS, `${STRINGS_HELP} (WBXML output)`, parseStringsMode)
      .option('--fpi', `${FPI_HELP} (WBXML output)`)
      .option('--declaration', 'XML output: start with the XML declaration')
      .option('-o, --output <FILE>', "Write to FILE instead of standard output ('-': stdout)")
      .option(PROFILE_FLAGS, profileHelp('syncml'), parseProfile),
  epilogue: `An option for the other output encoding is ignored, so one command line fits
inputs of both kinds. WBXML is not written to a terminal: use -o FILE or a
pipe.

Exit status: 0 converted; 1 not a valid message (on stderr:
'FILE: path: reason (offset N)', and a hint for a likely mistake) or larger
than --max-bytes; 2 usage error, unreadable input or unwritable output file,
or WBXML to a terminal.`,
  async run([file], options, io) {
    const wbxmlOptions = wbxmlEncodeOptions(options);
    const input = await readInput(io, file, maxBytesOf(options));
    const toWbxml = sniffFormat(input) === 'xml';
    if (toWbxml) refuseBinaryToTerminal(io, options.output);

    let converted: string | Uint8Array;
    try {
      // (An EncodeError: a decoded message that the other encoding cannot carry.)
      converted = encodeForOutput(decodeSniffed(input, { profile: options.profile ?? 'syncml', limits: decodeLimitsOf(options) }).message, toWbxml ? wbxmlOptions : undefined, options.declaration === true);
    } catch (e) {
      if (reportInvalidInput(io, e, file, input)) return ExitCode.invalidInput;
      throw e;
    }
    await writeOutput(io, options.output, converted);
    return ExitCode.ok;
  },
});
