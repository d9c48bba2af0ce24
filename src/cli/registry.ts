/**
 * The verbs of `omadm`, one module each in ./commands/. A new verb is a new module whose
 * default export is defineVerb(...) (./verb.ts), plus one line in `commands` below.
 */
import type { Command } from './command.js';
import convert from './commands/convert.js';
import decode from './commands/decode.js';
import encode from './commands/encode.js';
import validate from './commands/validate.js';
import serve from './commands/serve.js';
import help from './commands/help.js';
import completion from './commands/completion.js';
import device from './commands/device.js';
import job from './commands/job.js';
import notify from './commands/notify.js';
import tree from './commands/tree.js';
import demo from './commands/demo.js';
import fuzz from './commands/fuzz.js';

/** Every verb, in the order `omadm --help` lists them. */
export const commands: readonly Command[] = [decode, encode, convert, validate, demo, serve, device, job, notify, tree, fuzz, help, completion];

export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}

/** The text of `omadm --help`. */
export function globalUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n');
  return `Usage: omadm COMMAND [options] [arguments]

OMA Device Management (SyncML DM 1.2/1.3) toolkit.

Commands:
${list}

Options:
  -h, --help     Show this help
  -V, --version  Print the version

Run 'omadm help COMMAND' or 'omadm COMMAND --help' for the help of a command.
Exit status: 0 success, 1 invalid input, 2 usage error, 70 internal error.`;
}
