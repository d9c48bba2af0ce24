/**
 * What every verb module of src/cli/commands/ provides, and the helpers they share:
 * exit codes, usage errors, argument parsing, input reading and output writing.
 */
import { parseArgs } from 'node:util';
import { encodeWbxml, encodeXmlString, isDecodeError, isEncodeError, isValueError, type DecodeError, type SyncML, type WbxmlEncodeOptions } from '../index.js';
import type { CliIo } from './io.js';

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
 * One verb of `omadm`. A module of src/cli/commands/ exports these four members, so the module
 * namespace itself (`import * as decode from './commands/decode.js'`) is a Command.
 */
export interface Command {
  /** The verb, as typed on the command line. */
  readonly name: string;
  /** One line for the command list of `omadm --help`. */
  readonly summary: string;
  /** Full help text of the verb; its first line is the synopsis (`Usage: omadm VERB ...`). */
  readonly usage: string;
  /** Runs the verb with the arguments after the verb; resolves to the exit code. Throws UsageError for a bad command line. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A bad command line: the CLI prints the message and the verb's synopsis on stderr and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function isUsageError(e: unknown): e is UsageError {
  return e instanceof Error && e.name === 'UsageError';
}

/** Options a verb accepts, in the form node:util parseArgs takes them. */
export type OptionSpecs = Record<string, { type: 'boolean' | 'string'; short?: string }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses a verb's arguments with node:util parseArgs. Every verb also takes `-h`/`--help`.
 * Unknown options, values given to flags and missing option values become UsageErrors with
 * messages of our own (parseArgs's wording changes between Node versions). `-` is a positional;
 * after `--` everything is.
 */
export function parseCommandArgs(args: readonly string[], options: OptionSpecs): ParsedArgs {
  const all: OptionSpecs = { ...options, help: { type: 'boolean', short: 'h' } };
  const { values, positionals, tokens } = parseArgs({
    args: [...args],
    options: all,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(all, t.name) ? all[t.name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown option '${t.rawName}'`);
    if (spec.type === 'boolean' && t.inlineValue) throw new UsageError(`option '${t.rawName}' takes no value`);
    if (spec.type === 'string' && t.value === undefined) throw new UsageError(`option '${t.rawName}' needs a value`);
  }
  return { values: values as ParsedArgs['values'], positionals };
}

/** The options of the verbs that write WBXML (encode --wbxml, convert). */
export const wbxmlOptionSpecs: OptionSpecs = {
  strings: { type: 'string' },
  fpi: { type: 'boolean' },
};

const STRING_TABLE_MODES = ['auto', 'inline', 'table'] as const;

/** `--strings` and `--fpi` as the WBXML encoder takes them; an unknown `--strings` mode is a UsageError. */
export function wbxmlEncodeOptions(values: ParsedArgs['values']): WbxmlEncodeOptions {
  const strings = values.strings;
  if (typeof strings === 'string' && !(STRING_TABLE_MODES as readonly string[]).includes(strings)) {
    throw new UsageError(`option '--strings' takes auto, inline or table, not '${strings}'`);
  }
  return {
    strings: (strings ?? 'auto') as WbxmlEncodeOptions['strings'],
    publicId: values.fpi === true ? 'fpi' : 'id',
  };
}

/** The single positional argument of a verb, or a UsageError naming what is missing or extra. */
export function onePositional(positionals: readonly string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what} argument`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  return positionals[0]!;
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

/** Reads FILE, or standard input for `-`. A file that cannot be read is a UsageError. */
export async function readInput(io: CliIo, file: string): Promise<Uint8Array> {
  if (file === '-') return io.stdin();
  try {
    return await io.readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${fsReason(e)}`);
  }
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

/** How a diagnostic with a (possibly empty) path is shown: `path: reason`, the root path shown as `/`. */
export function formatIssue(path: string, reason: string): string {
  return `${path || '/'}: ${reason}`;
}

/** The stderr line of a message the decoder refused: `path: reason (offset N)`. */
export function decodeErrorLine(e: DecodeError): string {
  return `${formatIssue(e.path, e.reason)} (offset ${e.offset})\n`;
}

/**
 * Reports on stderr why the input is not a valid message, when `e` says so (a DecodeError,
 * a ValueError with every issue, or an EncodeError: a value the output encoding cannot
 * carry); returns whether it did (the verb then exits with ExitCode.invalidInput).
 */
export function reportInvalidInput(io: CliIo, e: unknown): boolean {
  if (isDecodeError(e)) io.stderr(decodeErrorLine(e));
  else if (isValueError(e)) io.stderr(e.issues.map((i) => formatIssue(i.path, i.reason) + '\n').join(''));
  else if (isEncodeError(e)) io.stderr(formatIssue(e.path, e.reason) + '\n');
  else return false;
  return true;
}

/** A message as a verb writes it: WBXML bytes, or XML text ending with a newline. */
export function encodeForOutput(message: SyncML, wbxml: WbxmlEncodeOptions | undefined, declaration: boolean): string | Uint8Array {
  return wbxml ? encodeWbxml(message, wbxml) : encodeXmlString(message, { declaration }) + '\n';
}
