/**
 * How a verb declares its command line: with commander (through @commander-js/extra-typings,
 * so a verb's arguments and options arrive typed), in a Command for `omadm VERB` that every
 * verb sets up the same way. defineVerb turns it into the Command the registry lists.
 *
 * The CLI keeps its own contract on top of commander's: every bad command line is a
 * UsageError (exit 2, the message, the synopsis and a hint on stderr) in the wording below,
 * help goes to standard output with exit 0, nothing is written by commander itself and
 * nothing calls process.exit.
 */
import { Command as Commander, CommanderError, type OptionValues } from '@commander-js/extra-typings';
import { ExitCode, UsageError, type Command } from './command.js';
import type { CliIo } from './io.js';

export { Option } from '@commander-js/extra-typings';

/** Help is laid out for 80 columns whatever the terminal, without colour: the same text everywhere. */
const HELP_WIDTH = 80;

/**
 * The commander Command for `omadm NAME` (`omadm GROUP NAME` for a sub-verb of defineGroup):
 * `description` is the prose of its help, `-h, --help` prints that help. Add `.usage()`, `.argument()` and `.option()` / `.addOption()` to it.
 */
export function verbCommand(name: string, description: string, group?: string): Commander {
  const parent = new Commander('omadm');
  return (group === undefined ? parent : parent.command(group))
    .command(name)
    .description(description)
    .helpOption('-h, --help', 'Show this help')
    .allowExcessArguments(true) // the first extra argument is reported by name, below
    .exitOverride()
    .configureOutput({
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
      writeErr: () => {},
      outputError: () => {},
    });
}

export interface VerbSpec<A extends unknown[], O extends OptionValues> {
  /** One line for the command list of `omadm --help`. */
  summary: string;
  /** The verb's command line, a fresh one on every call (verbCommand(...) with its arguments and options). */
  command: () => Commander<A, O>;
  /** What follows the options in the help (the exit status). */
  epilogue: string;
  /** Runs the verb with its parsed arguments and options; resolves to the exit code. May throw UsageError. */
  run(args: A, options: O, io: CliIo): Promise<number>;
}

/** The text commander prints for `omadm VERB --help`, without the last newline. */
function helpText(cmd: Commander<unknown[], OptionValues>): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s) });
  cmd.outputHelp();
  return text.trimEnd();
}

/** A verb of the registry from its commander declaration and its run function. */
export function defineVerb<A extends unknown[], O extends OptionValues>(spec: VerbSpec<A, O>): Command {
  const make = (): Commander<A, O> => {
    const cmd = spec.command();
    cmd.addHelpText('after', `\n${spec.epilogue}`);
    return cmd;
  };
  const first = make();
  const fullName = [first.parent?.parent ? first.parent.name() : undefined, first.name()].filter((w) => w !== undefined).join(' ');
  return {
    name: first.name(),
    fullName,
    summary: spec.summary,
    usage: helpText(first as unknown as Commander<unknown[], OptionValues>),
    flags: [...first.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)), '--help', '-h'],
    async run(args, io) {
      const cmd = make();
      cmd.configureOutput({ writeOut: (s) => io.stdout(s) });
      try {
        cmd.parse([...args], { from: 'user' });
      } catch (e) {
        if (!(e instanceof CommanderError)) throw e;
        if (e.code === 'commander.helpDisplayed') return ExitCode.ok;
        throw new UsageError(usageMessage(e, cmd as unknown as Commander<unknown[], OptionValues>, args));
      }
      // A variadic last argument takes every remaining word.
      const extra = cmd.registeredArguments.at(-1)?.variadic ? [] : cmd.args.slice(cmd.registeredArguments.length);
      if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
      return spec.run(cmd.processedArgs, cmd.opts(), io);
    },
  };
}

/** The flag a user typed for this option: the last of its short or long forms among the arguments. */
function typedFlag(flags: readonly (string | undefined)[], args: readonly string[]): string | undefined {
  for (let i = args.length - 1; i >= 0; i--) if (flags.includes(args[i])) return args[i];
  return flags.find((f) => f !== undefined);
}

/** Does `flag` (e.g. `--fpi`, `-h`) name an option of `cmd` that takes no value? */
function isFlagOption(cmd: Commander<unknown[], OptionValues>, flag: string): boolean {
  if (flag === '--help' || flag === '-h') return true;
  return cmd.options.some((o) => (o.long === flag || o.short === flag) && !o.required && !o.optional);
}

/** Commander's error in the CLI's own words (they do not change with commander's versions). */
function usageMessage(e: CommanderError, cmd: Commander<unknown[], OptionValues>, args: readonly string[]): string {
  const message = e.message.replace(/^error: /, '');
  const quoted = /'([^']*)'/.exec(message)?.[1];
  switch (e.code) {
    case 'commander.unknownOption': {
      const raw = quoted ?? '';
      const eq = raw.indexOf('=');
      if (eq > 0 && isFlagOption(cmd, raw.slice(0, eq))) return `option '${raw.slice(0, eq)}' takes no value`;
      const suggestion = /\(Did you mean (\S+)\?\)/.exec(message)?.[1];
      return `unknown option '${raw}'${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
    }
    case 'commander.optionMissingArgument': {
      const option = cmd.options.find((o) => o.flags === quoted);
      const flag = option ? typedFlag([option.short, option.long], args) : quoted;
      return `option '${flag}' needs a value`;
    }
    case 'commander.missingArgument':
      return `missing ${quoted} argument`;
    default:
      return message;
  }
}

/**
 * An option (or argument) value parser that refuses with the CLI's wording: `option '--NAME'
 * takes WHAT, not 'VALUE'` (`NAME takes ...` for an argument). `parse` returns the value, or undefined when it is not acceptable.
 */
export function valueParser<T>(flag: string, what: string, parse: (value: string) => T | undefined): (value: string) => T {
  return (value) => {
    const parsed = parse(value);
    // A UsageError passes through commander unchanged (it only rewraps InvalidArgumentError).
    if (parsed === undefined) throw new UsageError(`${flag.startsWith('-') ? `option '${flag}'` : flag} takes ${what}, not '${value}'`);
    return parsed;
  };
}

/** A parser for an option whose value is one of `choices`. */
export function choiceParser<const C extends readonly string[]>(flag: string, choices: C): (value: string) => C[number] {
  const what = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}` : choices.join('');
  return valueParser(flag, what, (v) => (choices.includes(v) ? (v as C[number]) : undefined));
}

/** A parser for an option whose value is a positive integer (decimal digits only, at most 2^53 - 1). */
export function positiveIntegerParser(flag: string): (value: string) => number {
  return valueParser(flag, 'a positive integer', (v) => {
    if (!/^[0-9]+$/.test(v)) return undefined;
    const n = Number(v);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  });
}

export interface GroupSpec {
  /** The group's verb, as typed after `omadm`. */
  name: string;
  /** One line for the command list of `omadm --help`. */
  summary: string;
  /** The prose of its help. */
  description: string;
  /** Its sub-verbs, each made by defineVerb with `verbCommand(NAME, ..., GROUP)`. */
  verbs: readonly Command[];
  /**
   * The sub-verb that runs when the first argument is an option rather than a sub-verb's
   * name (`omadm device --server URL ...` is `omadm device run --server URL ...`).
   */
  defaultVerb?: string;
}

/**
 * A verb that is a group of sub-verbs (`omadm fuzz server URL`, `omadm tree get FILE URI`):
 * the first argument picks the sub-verb, which parses the rest. A bad command line of a
 * sub-verb is reported with the sub-verb's synopsis.
 */
export function defineGroup(spec: GroupSpec): Command {
  const width = Math.max(...spec.verbs.map((v) => v.name.length)) + 2;
  const usage = [
    `Usage: omadm ${spec.name} COMMAND [options] [arguments]`,
    '',
    spec.description,
    '',
    'Commands:',
    ...spec.verbs.map((v) => `  ${v.name.padEnd(width)}${v.summary}`),
    '',
    ...(spec.defaultVerb !== undefined ? [`'omadm ${spec.name} --OPTION ...' is 'omadm ${spec.name} ${spec.defaultVerb} --OPTION ...'.`] : []),
    // Two lines: the help keeps to 80 columns whatever the group's name.
    `Run 'omadm help ${spec.name} COMMAND' or 'omadm ${spec.name} COMMAND --help'`,
    'for the help of a command.',
  ].join('\n');
  return {
    name: spec.name,
    fullName: spec.name,
    summary: spec.summary,
    usage,
    subcommands: spec.verbs,
    flags: ['--help', '-h'],
    async run(args, io) {
      const [first, ...rest] = args;
      if (first === '-h' || first === '--help') {
        io.stdout(usage + '\n');
        return ExitCode.ok;
      }
      if (first === undefined) throw new UsageError('missing command');
      if (first.startsWith('-') && spec.defaultVerb !== undefined) return run(spec.defaultVerb, args, io);
      return run(first, rest, io);
    },
  };

  async function run(name: string, rest: readonly string[], io: CliIo): Promise<number> {
    const verb = spec.verbs.find((v) => v.name === name);
    if (verb === undefined) throw new UsageError(`unknown command '${name}'`);
    try {
      return await verb.run(rest, io);
    } catch (e) {
      if (e instanceof UsageError && e.command === undefined) e.command = verb;
      throw e;
    }
  }
}
