/**
 * The CLI's only window on the outside world. Verbs receive one of these instead of touching
 * `process` or `node:fs`, so tests can run them in-process with canned input and captured output.
 *
 * Input is read bounded: at most `limit` bytes are kept, and no more than `limit + 1` are
 * read, whatever the input is (a 3 GB file, `/dev/zero`, an endless pipe).
 */
import { open, writeFile } from 'node:fs/promises';

/** An input larger than the limit it was read with; none of it is kept. */
export interface Oversized {
  readonly oversized: true;
  /** Its size in bytes when known without reading it (a regular file), else undefined. */
  readonly size: number | undefined;
}

export function isOversized(x: Uint8Array | Oversized): x is Oversized {
  return !(x instanceof Uint8Array);
}

export interface CliIo {
  /** Standard input, read to its end unless it holds more than `limit` bytes. */
  stdin(limit: number): Promise<Uint8Array | Oversized>;
  /** Writes text to standard output (no newline is added). */
  stdout(s: string): void;
  /** Writes bytes to standard output, as they are (WBXML). */
  stdoutBytes(b: Uint8Array): void;
  /** Is standard output a terminal? Verbs refuse to write binary output to one. */
  readonly stdoutIsTTY: boolean;
  /** Writes text to standard error (no newline is added). */
  stderr(s: string): void;
  /**
   * The bytes of a file, unless it holds more than `limit`; rejects with a Node `fs` error
   * (`code` ENOENT, EISDIR, EACCES, ...).
   */
  readFile(path: string, limit: number): Promise<Uint8Array | Oversized>;
  /** Creates or replaces a file with these bytes; rejects with a Node `fs` error. */
  writeFile(path: string, bytes: Uint8Array): Promise<void>;
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  // A plain Uint8Array, so no Buffer (pooled memory, own toJSON) leaks into the codecs.
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/**
 * Reads a stream to its end, or until it has given more than `limit` bytes: then it stops
 * pulling (the iterator is closed) and the input is Oversized.
 */
export async function readBounded(stream: AsyncIterable<Uint8Array | string>, limit: number): Promise<Uint8Array | Oversized> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    total += bytes.length;
    if (total > limit) return { oversized: true, size: undefined };
    chunks.push(bytes);
  }
  return concat(chunks, total);
}

const CHUNK = 64 * 1024;

/**
 * Reads a file, at most `limit + 1` bytes of it: a regular file whose size is already over the
 * limit is not read at all; anything else (a device, a FIFO, a file that grows) is read in
 * chunks until its end or the limit.
 */
export async function readFileBounded(path: string, limit: number): Promise<Uint8Array | Oversized> {
  const file = await open(path, 'r');
  try {
    const stat = await file.stat();
    if (stat.isFile() && stat.size > limit) return { oversized: true, size: stat.size };
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK, limit + 1 - total);
      const buffer = new Uint8Array(want);
      const { bytesRead } = await file.read(buffer, 0, want, null);
      if (bytesRead === 0) return concat(chunks, total);
      total += bytesRead;
      if (total > limit) return { oversized: true, size: stat.isFile() ? Math.max(stat.size, total) : undefined };
      chunks.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
}

/** The real process: stdin/stdout/stderr of this process and the local file system. */
export function nodeIo(): CliIo {
  return {
    stdin(limit) {
      return readBounded(process.stdin, limit);
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
    readFile: readFileBounded,
    async writeFile(path, bytes) {
      await writeFile(path, bytes);
    },
  };
}
