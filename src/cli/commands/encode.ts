/** `omadm encode FILE.json|-`: a JSON message value (as `omadm decode` prints it), written as SyncML XML or WBXML. */
import { parseMessage } from '../../index.js';
import { ExitCode, UsageError, encodeForOutput, hintLine, inputLabel, readInput, refuseBinaryToTerminal, reportInvalidInput, writeOutput } from '../command.js';
import { MAX_BYTES_FLAGS, MAX_BYTES_HELP, maxBytesOf, parseMaxBytes } from '../limit-options.js';
import { PROFILE_FLAGS, parseProfile, profileHelp } from '../profile-option.js';
import { defineVerb, verbCommand } from '../verb.js';
import { FPI_HELP, STRINGS_FLAGS, STRINGS_HELP, parseStringsMode, wbxmlEncodeOptions } from '../wbxml-options.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export default defineVerb({
  summary: 'Encode a JSON message as SyncML XML or WBXML',
  command: () =>
    verbCommand(
      'encode',
      `Reads a message as JSON (the form 'omadm decode' prints) from FILE.json, or from standard input for '-', checks it against the SyncML content model and prints it as compact SyncML XML, or with --wbxml as WBXML 1.3 bytes.`,
    )
      .usage('[options] FILE.json|-')
      .argument('<FILE>')
      .option('--declaration', 'Start the XML with <?xml version="1.0" encoding="UTF-8"?>')
      .option('--wbxml', 'Write WBXML 1.3 instead of XML (not to a terminal: use -o FILE or a pipe)')
      .option(STRINGS_FLAGS, STRINGS_HELP, parseStringsMode)
      .option('--fpi', FPI_HELP)
      .option('-o, --output <FILE>', "Write to FILE instead of standard output ('-': stdout)")
      .option(PROFILE_FLAGS, profileHelp('syncml'), parseProfile)
      .option(MAX_BYTES_FLAGS, MAX_BYTES_HELP.replace('an input', 'a JSON input'), parseMaxBytes),
  epilogue: `Exit status: 0 encoded; 1 invalid JSON, not a valid message (one
'FILE: path: reason' line per problem on stderr) or larger than --max-bytes;
2 usage error, unreadable input or unwritable output file, or WBXML to a
terminal.`,
  async run([file], options, io) {
    const wbxml = options.wbxml === true;
    if (wbxml && options.declaration === true) throw new UsageError("option '--declaration' is for XML, not --wbxml");
    if (!wbxml && options.strings !== undefined) throw new UsageError("option '--strings' needs --wbxml");
    if (!wbxml && options.fpi === true) throw new UsageError("option '--fpi' needs --wbxml");
    const wbxmlOptions = wbxmlEncodeOptions(options);
    if (wbxml) refuseBinaryToTerminal(io, options.output);
    const input = await readInput(io, file, maxBytesOf(options));

    let text: string;
    try {
      text = utf8.decode(input);
    } catch {
      io.stderr(`omadm encode: ${inputLabel(file)}: input is not valid UTF-8\n` + hintLine(inputLabel(file), input, 'json'));
      return ExitCode.invalidInput;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      io.stderr(`omadm encode: ${inputLabel(file)}: invalid JSON: ${e instanceof Error ? e.message : String(e)}\n` + hintLine(inputLabel(file), input, 'json'));
      return ExitCode.invalidInput;
    }

    let encoded: string | Uint8Array;
    try {
      encoded = encodeForOutput(parseMessage(json, { profile: options.profile ?? 'syncml' }), wbxml ? wbxmlOptions : undefined, options.declaration === true);
    } catch (e) {
      if (reportInvalidInput(io, e, file)) return ExitCode.invalidInput;
      throw e;
    }
    await writeOutput(io, options.output, encoded);
    return ExitCode.ok;
  },
});
