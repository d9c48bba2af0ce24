/** `omadm encode FILE.json|-`: a JSON message value (as `omadm decode` prints it), written as SyncML XML. */
import { encodeXmlString, isEncodeError, isValueError, parseMessage } from '../../index.js';
import { ExitCode, formatIssue, inputLabel, onePositional, parseCommandArgs, readInput } from '../command.js';
import type { CliIo } from '../io.js';

export const name = 'encode';
export const summary = 'Encode a JSON message as SyncML XML';
export const usage = `Usage: omadm encode [options] FILE.json|-

Reads a message as JSON (the form 'omadm decode' prints) from FILE.json, or
from standard input for '-', checks it against the SyncML content model and
prints it as compact SyncML XML.

Options:
  --declaration  Start the output with <?xml version="1.0" encoding="UTF-8"?>
  -h, --help     Show this help

Exit status: 0 encoded; 1 invalid JSON or not a valid message (one
'path: reason' line per problem on stderr); 2 usage error or unreadable file.`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { declaration: { type: 'boolean' } });
  if (values.help) {
    io.stdout(usage + '\n');
    return ExitCode.ok;
  }
  const file = onePositional(positionals, 'FILE');
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

  try {
    const message = parseMessage(json, { profile: 'syncml' });
    io.stdout(encodeXmlString(message, { declaration: values.declaration === true }) + '\n');
    return ExitCode.ok;
  } catch (e) {
    if (isValueError(e)) {
      io.stderr(e.issues.map((i) => formatIssue(i.path, i.reason) + '\n').join(''));
      return ExitCode.invalidInput;
    }
    if (isEncodeError(e)) {
      io.stderr(formatIssue(e.path, e.reason) + '\n');
      return ExitCode.invalidInput;
    }
    throw e;
  }
}
