/** `omadm decode FILE|-`: a SyncML XML message, printed as its typed JSON value. */
import { decodeXml, isDecodeError } from '../../index.js';
import { ExitCode, formatIssue, onePositional, parseCommandArgs, readInput } from '../command.js';
import type { CliIo } from '../io.js';

export const name = 'decode';
export const summary = 'Decode a SyncML XML message and print it as JSON';
export const usage = `Usage: omadm decode [options] FILE|-

Reads a SyncML (OMA DM) XML message from FILE, or from standard input for '-',
and prints the typed message as JSON (2-space indent). Keys follow the content
model order, so the same message always prints the same bytes, whatever its
whitespace, Meta child order or CDATA/escaping.

Options:
  -h, --help  Show this help

Exit status: 0 decoded; 1 not a valid message (reported on stderr as
'path: reason (offset N)'); 2 usage error or unreadable file.`;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {});
  if (values.help) {
    io.stdout(usage + '\n');
    return ExitCode.ok;
  }
  const file = onePositional(positionals, 'FILE');
  const input = await readInput(io, file);
  let message;
  try {
    message = decodeXml(input);
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    io.stderr(`${formatIssue(e.path, e.reason)} (offset ${e.offset})\n`);
    return ExitCode.invalidInput;
  }
  io.stdout(JSON.stringify(message, null, 2) + '\n');
  return ExitCode.ok;
}
