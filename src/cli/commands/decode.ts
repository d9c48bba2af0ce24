/** `omadm decode FILE|-`: a SyncML message, XML or WBXML, printed as its typed JSON value. */
import { ExitCode, readInput, reportInvalidInput, writeOutput } from '../command.js';
import { PROFILE_FLAGS, parseProfile, profileHelp } from '../profile-option.js';
import { decodeSniffed } from '../sniff.js';
import { MAX_BYTES_FLAGS, MAX_BYTES_HELP, MAX_TEXT_FLAGS, MAX_TEXT_HELP, decodeLimitsOf, maxBytesOf, parseMaxBytes, parseMaxText } from '../limit-options.js';
import { defineVerb, verbCommand } from '../verb.js';

export default defineVerb({
  summary: 'Decode a SyncML XML or WBXML message and print it as JSON',
  command: () =>
    verbCommand(
      'decode',
      `Reads a SyncML (OMA DM) message, XML or WBXML, from FILE, or from standard input for '-', and prints the typed message as JSON (2-space indent). WBXML is told from XML by its first byte (a WBXML version, 0x01 to 0x03). Keys follow the content model order, so the same message always prints the same bytes, whatever its encoding, whitespace, Meta child order or CDATA/escaping.`,
    )
      .usage('[options] FILE|-')
      .argument('<FILE>')
      .option('-o, --output <FILE>', "Write the JSON to FILE instead of standard output ('-': stdout)")
      .option(PROFILE_FLAGS, profileHelp('syncml'), parseProfile)
      .option(MAX_BYTES_FLAGS, MAX_BYTES_HELP, parseMaxBytes)
      .option(MAX_TEXT_FLAGS, MAX_TEXT_HELP, parseMaxText),
  epilogue: `Exit status: 0 decoded; 1 not a valid message (on stderr:
'FILE: path: reason (offset N)', and a hint for a likely mistake) or larger
than --max-bytes; 2 usage error, unreadable input or unwritable output file.`,
  async run([file], options, io) {
    const input = await readInput(io, file, maxBytesOf(options));
    let message;
    try {
      ({ message } = decodeSniffed(input, { profile: options.profile ?? 'syncml', limits: decodeLimitsOf(options) }));
    } catch (e) {
      if (reportInvalidInput(io, e, file, input)) return ExitCode.invalidInput;
      throw e;
    }
    await writeOutput(io, options.output, JSON.stringify(message, null, 2) + '\n');
    return ExitCode.ok;
  },
});
