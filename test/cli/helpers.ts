/** In-process harness for the CLI: a fake CliIo with canned input and captured output. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/cli.js';
import { decodeWbxml, decodeXml, encodeWbxml, isDecodeError, type WbxmlEncodeOptions } from '../../src/index.js';
import { readFileBounded, type CliIo } from '../../src/cli/io.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SPEC_DIR = join(ROOT, 'test/fixtures/spec');
export const specFixtures: string[] = readdirSync(SPEC_DIR)
  .filter((f) => f.endsWith('.xml'))
  .sort();

export function spec(file: string): string {
  return join(SPEC_DIR, file);
}

export function readSpec(file: string): Uint8Array {
  return new Uint8Array(readFileSync(spec(file)));
}

export interface FakeIoInit {
  /** Standard input; reading it when absent fails the test. */
  stdin?: string | Uint8Array;
  /** In-memory files, looked up before the real file system. */
  files?: Record<string, string | Uint8Array>;
  /** Whether standard output is a terminal; a pipe (false) unless given. */
  stdoutIsTTY?: boolean;
}

export interface FakeIo extends CliIo {
  /** Standard output as text (bytes written decoded as UTF-8, lossy for WBXML). */
  out: string;
  /** Standard output as bytes: every write, text or bytes, in order. */
  readonly outBytes: Uint8Array;
  err: string;
  /** The files written (-o FILE), in memory only: the real file system is never written. */
  written: Record<string, Uint8Array>;
}

const enc = new TextEncoder();
const bytes = (x: string | Uint8Array): Uint8Array => (typeof x === 'string' ? enc.encode(x) : x);

const dec = new TextDecoder();

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

export function fakeIo(init: FakeIoInit = {}): FakeIo {
  const chunks: Uint8Array[] = [];
  const io: FakeIo = {
    out: '',
    get outBytes() {
      return concat(chunks);
    },
    err: '',
    written: {},
    stdoutIsTTY: init.stdoutIsTTY ?? false,
    async stdin(limit) {
      if (init.stdin === undefined) throw new Error('test read stdin, but gave none');
      const b = bytes(init.stdin);
      return b.length > limit ? { oversized: true, size: undefined } : b;
    },
    stdout(s) {
      io.out += s;
      chunks.push(enc.encode(s));
    },
    stdoutBytes(b) {
      io.out += dec.decode(b);
      chunks.push(new Uint8Array(b));
    },
    stderr(s) {
      io.err += s;
    },
    async readFile(path, limit) {
      const f = init.files?.[path];
      if (f !== undefined) {
        const b = bytes(f);
        return b.length > limit ? { oversized: true, size: b.length } : b;
      }
      // The real file system, read as the CLI reads it.
      return readFileBounded(path, limit);
    },
    async writeFile(path, b) {
      io.written[path] = new Uint8Array(b);
    },
  };
  return io;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `omadm ...argv` in-process. */
export async function cli(argv: string[], init: FakeIoInit = {}): Promise<CliResult> {
  const io = fakeIo(init);
  const code = await runCli(argv, io);
  return { code, stdout: io.out, stderr: io.err };
}

export interface BytesCliResult {
  code: number;
  /** Standard output as bytes (WBXML). */
  stdout: Uint8Array;
  stderr: string;
  /** The files the command wrote (-o FILE), by the name given. */
  written: Record<string, Uint8Array>;
}

/** Runs `omadm ...argv` in-process, keeping standard output as bytes and the files written. */
export async function cliBytes(argv: string[], init: FakeIoInit = {}): Promise<BytesCliResult> {
  const io = fakeIo(init);
  const code = await runCli(argv, io);
  return { code, stdout: io.outBytes, stderr: io.err, written: io.written };
}

/** The bytes of a spec fixture as WBXML, as the library encodes it. */
export function specWbxml(file: string, options: WbxmlEncodeOptions = {}): Uint8Array {
  return encodeWbxml(decodeXml(readSpec(file)), options);
}

/**
 * The stderr line the CLI must print for input the decoder refuses (`label` names the input as
 * the CLI does: the file name, or <stdin>), computed from the library
 * itself: the CLI tests check the CLI's formatting, not the decoder's wording (tested elsewhere).
 */
export function decodeErrorLine(label: string, input: string | Uint8Array, profile: 'syncml' | 'dm' = 'syncml', format: 'xml' | 'wbxml' = 'xml'): string {
  try {
    if (format === 'wbxml') decodeWbxml(typeof input === 'string' ? enc.encode(input) : input, { profile });
    else decodeXml(input, { profile });
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    return `${label}: ${e.path || '/'}: ${e.reason} (offset ${e.offset})\n`;
  }
  throw new Error('expected the decoder to refuse this input');
}
