/**
 * `omadm validate FILE`: is FILE a valid OMA DM message, XML or WBXML? Its structure (the
 * decoder: well-formedness, content model, the DM profile), then its values against the
 * protocol tables (checkMessage with semantics: versions, codes, CmdIDs, references, formats,
 * auth types, sizes), and the verdict says which of these it checked.
 */
import { checkMessage, decodeLenient, isDecodeError, type DecodeOptions, type MessageIssue } from '../../index.js';
import { ExitCode, formatIssue, inputLabel, readInput, reportInvalidInput } from '../command.js';
import { MAX_BYTES_FLAGS, MAX_BYTES_HELP, MAX_TEXT_FLAGS, MAX_TEXT_HELP, decodeLimitsOf, maxBytesOf, parseMaxBytes, parseMaxText } from '../limit-options.js';
import { PROFILE_FLAGS, parseProfile, profileHelp } from '../profile-option.js';
import { decodeSniffed } from '../sniff.js';
import { defineVerb, verbCommand } from '../verb.js';

/** An issue as validate prints it: `FILE: path: reason`, or `FILE: path: warning: reason`. */
function issueLine(label: string, i: MessageIssue): string {
  return formatIssue(label, i.path, i.severity === 'warning' ? `warning: ${i.reason}` : i.reason) + '\n';
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * The slips a lenient decode (as the DM server reads) recovers from in an input the strict
 * checks refused, one `FILE: path: slip KIND: message (offset N)` line each after a line
 * saying so; nothing when a lenient decode refuses it too, or finds no slip.
 */
function slipLines(label: string, input: Uint8Array, options: Omit<DecodeOptions, 'lenient' | 'warnings'>): string {
  let warnings;
  try {
    ({ warnings } = decodeLenient(input, options));
  } catch {
    return '';
  }
  if (warnings.length === 0) return '';
  const head = `${label}: a lenient decode (as the DM server reads) accepts it, recovering from ${plural(warnings.length, 'slip')}:\n`;
  return head + warnings.map((w) => `${formatIssue(label, w.path, `slip ${w.kind}: ${w.message}`)} (offset ${w.offset})\n`).join('');
}

export default defineVerb({
  summary: 'Check that a file is a valid OMA DM message, and say what was checked',
  command: () =>
    verbCommand(
      'validate',
      `Decodes FILE (standard input for '-') as an OMA DM message: well-formed SyncML XML or WBXML (told apart by the first byte) that follows the content model and uses only the elements OMA DM uses (no Sync, Map, Search, ...). Then checks its values against the protocol tables: VerDTD and VerProto, Alert and Status codes, CmdIDs non-zero and unique in the message, MsgRef and CmdRef numeric, the command each Status names, Format values, the auth type of Cred and Chal, MaxMsgSize, MaxObjSize and Size numeric. A value the tables do not know but that is well-formed (an Alert or Status code of another protocol) is a warning; anything else an error. Prints 'FILE: valid OMA DM message (...)' naming what it checked, and each warning on stderr. Validation is strict; for a refused message that a lenient decode (as the DM server reads) accepts, it also names each slip that decode recovers from (children out of DTD order, a SyncHdr Status without CmdRef, Format 'Chr', a WBXML public id without its NUL, ...).`,
    )
      .usage('[options] FILE|-')
      .argument('<FILE>')
      .option('--structure-only', 'Check the structure only, not the values')
      .option(PROFILE_FLAGS, profileHelp('dm'), parseProfile)
      .option(MAX_BYTES_FLAGS, MAX_BYTES_HELP, parseMaxBytes)
      .option(MAX_TEXT_FLAGS, MAX_TEXT_HELP, parseMaxText),
  epilogue: `Exit status: 0 valid (warnings, if any, on stderr as
'FILE: path: warning: reason'); 1 invalid: not well-formed, against the content
model or the profile ('FILE: path: reason (offset N)'), a value against the
tables (one 'FILE: path: reason' line per problem), or larger than
--max-bytes; 2 usage error or unreadable file. When a lenient decode (the DM
server's) would accept what was refused, the slips it recovers from follow, one
'FILE: path: slip KIND: message (offset N)' line each; the exit status stays 1.`,
  async run([file], options, io) {
    const profile = options.profile ?? 'dm';
    const input = await readInput(io, file, maxBytesOf(options));
    let issues: MessageIssue[];
    let format: string;
    const decodeOptions = { profile, limits: decodeLimitsOf(options) };
    try {
      const decoded = decodeSniffed(input, decodeOptions);
      format = decoded.format === 'wbxml' ? 'WBXML' : 'XML';
      // The decoder enforces the grammar; the value checks are the second opinion on the profile, then the tables.
      issues = checkMessage(decoded.message, { profile, semantics: options.structureOnly !== true });
    } catch (e) {
      if (reportInvalidInput(io, e, file, input)) {
        if (isDecodeError(e)) io.stderr(slipLines(inputLabel(file), input, decodeOptions));
        return ExitCode.invalidInput;
      }
      throw e;
    }
    io.stderr(issues.map((i) => issueLine(inputLabel(file), i)).join(''));
    const warnings = issues.filter((i) => i.severity === 'warning').length;
    if (warnings < issues.length) {
      // Values a lenient decode would repair (Format `Chr`, a padded code) are slips too.
      io.stderr(slipLines(inputLabel(file), input, decodeOptions));
      return ExitCode.invalidInput;
    }
    const checked = [`${format}: structure`, ...(profile === 'dm' ? ['DM profile'] : [])].join(', ');
    const values = options.structureOnly === true ? '; values not checked' : ', values against the protocol tables';
    const what = profile === 'dm' ? 'OMA DM' : 'SyncML';
    io.stdout(`${inputLabel(file)}: valid ${what} message${warnings > 0 ? ` with ${plural(warnings, 'warning')}` : ''} (${checked}${values})\n`);
    return ExitCode.ok;
  },
});
