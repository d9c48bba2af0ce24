/**
 * What every verb module of src/cli/commands/ provides, and the helpers they share:
 * exit codes, usage errors, argument parsing, input reading and output writing.
 */
import { encodeWbxml, encodeXmlString, isDecodeError, isEncodeError, isValueError, type DecodeError, type SyncML, type WbxmlEncodeOptions } from '../index.js';
import { inputHint, type ExpectedInput } from '../message/hints.js';
import { isOversized, type CliIo, type Oversized } from './io.js';

/** Process exit codes of the CLI. */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** The input was read but is not a valid message (or not valid JSON, ...). */
  invalidInput: 1,
  /** Bad command line: unknown verb or option, missing argument, unreadable file. */
  usage: 2,
  /** A bug: an exception nobody expected (EX_SOFTWARE of sysexits.h). */
  internal: 70,
} as const;

/**
 * One verb of `omadm`. A module of src/cli/commands/ exports one as its default, made by
 * defineVerb (./verb.ts) from the verb's commander declaration.
 */
export interface Command {
  /** The verb, as typed on the command line (a sub-verb: its own word, e.g. `server` of `fuzz server`). */
  readonly name: string;
  /** The words that run it after `omadm`: the name, after its group's for a sub-verb (`fuzz server`). */
  readonly fullName: string;
  /** One line for the command list of `omadm --help`. */
  readonly summary: string;
  /** Full help text of the verb; its first line is the synopsis (`Usage: omadm VERB ...`). */
  readonly usage: string;
  /** The sub-verbs of a group (`omadm fuzz server|client|replay`), none for a plain verb. */
  readonly subcommands?: readonly Command[];
  /** Every option flag it takes, long and short (`--output`, `-o`), for shell completion. */
  readonly flags: readonly string[];
  /** Runs the verb with the arguments after the verb; resolves to the exit code. Throws UsageError for a bad command line. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A bad command line: the CLI prints the message and the verb's synopsis on stderr and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The (sub-)verb whose command line was bad, when not the verb the CLI ran (set by a group). */
  command: Command | undefined;
}

export function isUsageError(e: unknown): e is UsageError {
  return e instanceof Error && e.name === 'UsageError';
}

function fsReason(e: unknown, writing = false): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      // Writing creates the file: what is missing is a directory on the way.
      return writing ? 'no such directory' : 'no such file';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Input that cannot be taken, for a reason of its own (larger than the limit, not UTF-8, not
 * JSON): the CLI prints `omadm VERB: ` and the message on stderr and exits 1.
 */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

export function isInvalidInputError(e: unknown): e is InvalidInputError {
  return e instanceof Error && e.name === 'InvalidInputError';
}

/**
 * Reads FILE, or standard input for `-`, at most `limit` bytes (`--max-bytes`): a larger input
 * is an InvalidInputError, found without reading more than `limit + 1` bytes of it. A file that
 * cannot be read is a UsageError.
 */
export async function readInput(io: CliIo, file: string, limit: number): Promise<Uint8Array> {
  let got: Uint8Array | Oversized;
  if (file === '-') got = await io.stdin(limit);
  else {
    try {
      got = await io.readFile(file, limit);
    } catch (e) {
      throw new UsageError(`cannot read '${file}': ${fsReason(e)}`);
    }
  }
  if (isOversized(got)) {
    const what = got.size === undefined ? 'input' : `input of ${got.size} bytes`;
    throw new InvalidInputError(`${inputLabel(file)}: ${what} is larger than the limit of ${limit} bytes (--max-bytes)`);
  }
  return got;
}

/** Is this `-o` value standard output (the option absent, or `-`)? */
function toStdout(output: string | undefined): boolean {
  return output === undefined || output === '-';
}

/**
 * Binary output (WBXML) may go to a file or a pipe, not to a terminal: a UsageError when `-o`
 * names standard output and standard output is a TTY.
 */
export function refuseBinaryToTerminal(io: CliIo, output: string | undefined): void {
  if (toStdout(output) && io.stdoutIsTTY) {
    throw new UsageError('refusing to write WBXML to a terminal; use -o FILE or a pipe');
  }
}

const utf8Encoder = new TextEncoder();

/**
 * Writes a verb's output to standard output, or to FILE for `-o FILE` (`-o -` is standard
 * output): the same bytes either way. A file that cannot be written is a UsageError.
 */
export async function writeOutput(io: CliIo, output: string | undefined, data: string | Uint8Array): Promise<void> {
  if (toStdout(output)) {
    if (typeof data === 'string') io.stdout(data);
    else io.stdoutBytes(data);
    return;
  }
  try {
    await io.writeFile(output!, typeof data === 'string' ? utf8Encoder.encode(data) : data);
  } catch (e) {
    throw new UsageError(`cannot write '${output}': ${fsReason(e, true)}`);
  }
}

/** How an input is named in messages: the file name, or `<stdin>` for `-`. */
export function inputLabel(file: string): string {
  return file === '-' ? '<stdin>' : file;
}

/**
 * How a diagnostic is shown: `FILE: path: reason`, the input named as on the command line
 * (`<stdin>` for `-`), the root path shown as `/`.
 */
export function formatIssue(label: string, path: string, reason: string): string {
  return `${label}: ${path || '/'}: ${reason}`;
}

/** The stderr line of a message the decoder refused: `FILE: path: reason (offset N)`. */
export function decodeErrorLine(label: string, e: DecodeError): string {
  return `${formatIssue(label, e.path, e.reason)} (offset ${e.offset})\n`;
}

/** The stderr line of a hint for a refused input (inputHint), when there is one. */
export function hintLine(label: string, input: Uint8Array, expected: ExpectedInput): string {
  const hint = inputHint(input, expected);
  return hint === undefined ? '' : `${label}: hint: ${hint}\n`;
}

/**
 * Reports on stderr why the input `file` is not a valid message, when `e` says so (a
 * DecodeError, then a hint for a likely mistake; a ValueError with every issue; or an
 * EncodeError: a value the output encoding cannot carry); returns whether it did (the verb
 * then exits with ExitCode.invalidInput).
 */
export function reportInvalidInput(io: CliIo, e: unknown, file: string, input?: Uint8Array): boolean {
  const label = inputLabel(file);
  if (isDecodeError(e)) io.stderr(decodeErrorLine(label, e) + (input ? hintLine(label, input, 'message') : ''));
  else if (isValueError(e)) io.stderr(e.issues.map((i) => formatIssue(label, i.path, i.reason) + '\n').join(''));
  else if (isEncodeError(e)) io.stderr(formatIssue(label, e.path, e.reason) + '\n');
  else return false;
  return true;
}

/** A message as a verb writes it: WBXML bytes, or XML text ending with a newline. */
export function encodeForOutput(message: SyncML, wbxml: WbxmlEncodeOptions | undefined, declaration: boolean): string | Uint8Array {
  return wbxml ? encodeWbxml(message, wbxml) : encodeXmlString(message, { declaration }) + '\n';
}
