/**
 * `omadm` without the process: parses the global options, dispatches to a verb of the
 * registry and turns every outcome into an exit code. main.ts binds it to the real process;
 * tests call runCli directly with a fake CliIo.
 */
import { ExitCode, isInvalidInputError, isUsageError } from './command.js';
import type { CliIo } from './io.js';
import { findCommand, globalUsage } from './registry.js';
import { readVersion } from './version.js';

function usageError(io: CliIo, message: string, synopsis: string, hint: string): number {
  io.stderr(`${message}\n${synopsis}\n${hint}\n`);
  return ExitCode.usage;
}

/** Runs `omadm` with `argv` (the arguments after the program name); resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr(`omadm: missing command\n${globalUsage()}\n`);
      return ExitCode.usage;
    }
    if (first === '-h' || first === '--help') return await runCli(['help', ...rest], io);
    if (first === '-V' || first === '--version') {
      if (rest.length > 0) {
        io.stderr(`omadm: unexpected argument '${rest[0]}'\n${globalUsage()}\n`);
        return ExitCode.usage;
      }
      io.stdout(readVersion() + '\n');
      return ExitCode.ok;
    }
    if (first.startsWith('-') && first !== '-') {
      io.stderr(`omadm: unknown option '${first}'\n${globalUsage()}\n`);
      return ExitCode.usage;
    }
    const command = findCommand(first);
    if (command === undefined) {
      io.stderr(`omadm: unknown command '${first}'\n${globalUsage()}\n`);
      return ExitCode.usage;
    }
    try {
      return await command.run(rest, io);
    } catch (e) {
      if (isInvalidInputError(e)) {
        io.stderr(`omadm ${command.name}: ${e.message}\n`);
        return ExitCode.invalidInput;
      }
      if (!isUsageError(e)) throw e;
      const verb = e.command ?? command;
      const synopsis = verb.usage.split('\n', 1)[0]!;
      return usageError(io, `omadm ${verb.fullName}: ${e.message}`, synopsis, `Run 'omadm help ${verb.fullName}' for details.`);
    }
  } catch (e) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.stderr(`omadm: internal error: ${what}\n`);
    return ExitCode.internal;
  }
}
