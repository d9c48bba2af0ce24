/**
 * The CLI's only window on the outside world. Verbs receive one of these instead of touching
 * `process` or `node:fs`, so tests can run them in-process with canned input and captured output.
 */
import { readFile, writeFile } from 'node:fs/promises';

export interface CliIo {
  /** All of standard input, read to the end. */
  stdin(): Promise<Uint8Array>;
  /** Writes text to standard output (no newline is added). */
  stdout(s: string): void;
  /** Writes bytes to standard output, as they are (WBXML). */
  stdoutBytes(b: Uint8Array): void;
  /** Is standard output a terminal? Verbs refuse to write binary output to one. */
  readonly stdoutIsTTY: boolean;
  /** Writes text to standard error (no newline is added). */
  stderr(s: string): void;
  /** The bytes of a file; rejects with a Node `fs` error (`code` ENOENT, EISDIR, EACCES, ...). */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates or replaces a file with these bytes; rejects with a Node `fs` error. */
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
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
    stdoutBytes(b) {
      process.stdout.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stderr(s) {
      process.stderr.write(s);
    },
    async readFile(path) {
      return plain(await readFile(path));
    },
    async writeFile(path, bytes) {
      await writeFile(path, bytes);
    },
  };
}
