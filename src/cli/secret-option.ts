/**
 * A secret from its option or from a file (a secret on the command line shows in process
 * lists): the file's text without its last line break, at most SECRET_MAX bytes.
 */
import { SECRET_MAX } from '../server/management/schemas.js';
import { UsageError, readInput } from './command.js';
import type { CliIo } from './io.js';

export async function secretOption(io: CliIo, given: string | undefined, file: string | undefined, flag: string): Promise<string | undefined> {
  if (file === undefined) return given;
  if (given !== undefined) throw new UsageError(`give ${flag} or ${flag}-file, not both`);
  const bytes = await readInput(io, file, SECRET_MAX + 2);
  return new TextDecoder().decode(bytes).replace(/\r?\n$/, '');
}
