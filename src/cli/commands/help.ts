/** `omadm help [VERB]`: the command list, or the help text of one verb. */
import { ExitCode, UsageError } from '../command.js';
import { defineVerb, verbCommand } from '../verb.js';

export default defineVerb({
  summary: 'Show the command list, or the help of one command',
  command: () =>
    verbCommand('help', 'Without COMMAND, lists the commands; with one, prints its help (with a group and one of its commands, that command\'s).')
      .usage('[COMMAND [SUBCOMMAND]]')
      .argument('[COMMAND]')
      .argument('[SUBCOMMAND]'),
  epilogue: 'Exit status: 0 help shown; 2 unknown command.',
  async run([verb, sub], _options, io) {
    // Loaded on use: the registry lists this module, so a static import would be a cycle.
    const { findCommand, globalUsage } = await import('../registry.js');
    if (verb === undefined) {
      io.stdout(globalUsage() + '\n');
      return ExitCode.ok;
    }
    const command = findCommand(verb);
    if (command === undefined) throw new UsageError(`unknown command '${verb}'`);
    if (sub === undefined) {
      io.stdout(command.usage + '\n');
      return ExitCode.ok;
    }
    if (command.subcommands === undefined) throw new UsageError(`unexpected argument '${sub}'`);
    const subcommand = command.subcommands.find((c) => c.name === sub);
    if (subcommand === undefined) throw new UsageError(`unknown command '${verb} ${sub}'`);
    io.stdout(subcommand.usage + '\n');
    return ExitCode.ok;
  },
});
