/** In-process harness for the CLI: a fake CliIo with canned input and captured output. */
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/cli.js';
import { decodeXml, isDecodeError } from '../../src/index.js';
import type { CliIo } from '../../src/cli/io.js';

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
}

export interface FakeIo extends CliIo {
  out: string;
  err: string;
}

const enc = new TextEncoder();
const bytes = (x: string | Uint8Array): Uint8Array => (typeof x === 'string' ? enc.encode(x) : x);

export function fakeIo(init: FakeIoInit = {}): FakeIo {
  const io: FakeIo = {
    out: '',
    err: '',
    async stdin() {
      if (init.stdin === undefined) throw new Error('test read stdin, but gave none');
      return bytes(init.stdin);
    },
    stdout(s) {
      io.out += s;
    },
    stderr(s) {
      io.err += s;
    },
    async readFile(path) {
      const f = init.files?.[path];
      if (f !== undefined) return bytes(f);
      return new Uint8Array(await readFile(path));
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

/**
 * The stderr line the CLI must print for input the decoder refuses, computed from the library
 * itself: the CLI tests check the CLI's formatting, not the decoder's wording (tested elsewhere).
 */
export function decodeErrorLine(input: string | Uint8Array, profile: 'syncml' | 'dm' = 'syncml'): string {
  try {
    decodeXml(input, { profile });
  } catch (e) {
    if (!isDecodeError(e)) throw e;
    return `${e.path || '/'}: ${e.reason} (offset ${e.offset})\n`;
  }
  throw new Error('expected the decoder to refuse this input');
}
