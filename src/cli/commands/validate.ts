/** `omadm validate FILE`: is FILE a valid OMA DM message (SyncML restricted to the DM profile), XML or WBXML? */
import { checkMessage } from '../../index.js';
import { ExitCode, formatIssue, inputLabel, readInput, reportInvalidInput } from '../command.js';
import { decodeSniffed } from '../sniff.js';
import { MAX_BYTES_FLAGS, MAX_BYTES_HELP, MAX_TEXT_FLAGS, MAX_TEXT_HELP, decodeLimitsOf, maxBytesOf, parseMaxBytes, parseMaxText } from '../limit-options.js';
import { defineVerb, verbCommand } from '../verb.js';

export default defineVerb({
  summary: 'Check that a file is a valid OMA DM message',
  command: () =>
    verbCommand(
      'validate',
      `Decodes FILE (standard input for '-') as an OMA DM message: well-formed SyncML XML or WBXML (told apart by the first byte) that follows the content model and uses only the elements OMA DM uses (no Sync, Map, Search, ...). Prints 'FILE: valid OMA DM message' when it is.`,
    )
      .usage('[options] FILE|-')
      .argument('<FILE>')
      .option(MAX_BYTES_FLAGS, MAX_BYTES_HELP, parseMaxBytes)
      .option(MAX_TEXT_FLAGS, MAX_TEXT_HELP, parseMaxText),
  epilogue: `Exit status: 0 valid; 1 invalid (reported on stderr as
'path: reason (offset N)'); 2 usage error or unreadable file.`,
  async run([file], options, io) {
    const input = await readInput(io, file, maxBytesOf(options));
    try {
      const { message } = decodeSniffed(input, { profile: 'dm', limits: decodeLimitsOf(options) });
      // The decoder enforces the grammar; the value checks are the second opinion on the DM profile.
      const issues = checkMessage(message, { profile: 'dm' });
      if (issues.length > 0) {
        io.stderr(issues.map((i) => formatIssue(i.path, i.reason) + '\n').join(''));
        return ExitCode.invalidInput;
      }
    } catch (e) {
      if (reportInvalidInput(io, e)) return ExitCode.invalidInput;
      throw e;
    }
    io.stdout(`${inputLabel(file)}: valid OMA DM message\n`);
    return ExitCode.ok;
  },
});
