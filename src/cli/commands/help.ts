/** `omadm help [VERB]`: the command list, or the help text of one verb. */
import { ExitCode, UsageError, parseCommandArgs } from '../command.js';
import type { CliIo } from '../io.js';

export const name = 'help';
export const summary = 'Show the command list, or the help of one command';
export const usage = `Usage: omadm help [COMMAND]

Without COMMAND, lists the commands; with one, prints its help.`;

export async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {});
  if (values.help) {
    io.stdout(usage + '\n');
    return ExitCode.ok;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  // Loaded on use: the registry lists this module, so a static import would be a cycle.
  const { findCommand, globalUsage } = await import('../registry.js');
  const verb = positionals[0];
  if (verb === undefined) {
    io.stdout(globalUsage() + '\n');
    return ExitCode.ok;
  }
  const command = findCommand(verb);
  if (command === undefined) throw new UsageError(`unknown command '${verb}'`);
  io.stdout(command.usage + '\n');
  return ExitCode.ok;
}
