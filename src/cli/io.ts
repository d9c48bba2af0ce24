/**
 * The CLI's only window on the outside world. Verbs receive one of these instead of touching
 * `process` or `node:fs`, so tests can run them in-process with canned input and captured output.
 */
import { readFile } from 'node:fs/promises';

export interface CliIo {
  /** All of standard input, read to the end. */
  stdin(): Promise<Uint8Array>;
  /** Writes text to standard output (no newline is added). */
  stdout(s: string): void;
  /** Writes text to standard error (no newline is added). */
  stderr(s: string): void;
  /** The bytes of a file; rejects with a Node `fs` error (`code` ENOENT, EISDIR, EACCES, ...). */
  readFile(path: string): Promise<Uint8Array>;
}

/** Copies into a plain Uint8Array, so no Buffer (pooled memory, own toJSON) leaks into the codecs. */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** The real process: stdin/stdout/stderr of this process and the local file system. */
export function nodeIo(): CliIo {
  return {
    async stdin() {
      const chunks: Uint8Array[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Uint8Array));
      }
      return plain(Buffer.concat(chunks));
    },
    stdout(s) {
      process.stdout.write(s);
    },
    stderr(s) {
      process.stderr.write(s);
    },
    async readFile(path) {
      return plain(await readFile(path));
    },
  };
}
