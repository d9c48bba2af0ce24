/**
 * The CLI reads at most `--max-bytes` + 1 bytes of any input (issue 10, section 1): a file
 * larger than the limit is refused from its size, a device or pipe once it has given one byte
 * more, with exit 1 and the limit named, never Node's "greater than 2 GiB" or a usage error.
 * Sizes here are counted, never timed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, ftruncateSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDecodeLimits } from '../../src/index.js';
import { isOversized, readBounded, readFileBounded } from '../../src/cli/io.js';
import { ROOT, cli, spec } from './helpers.js';

const LIMIT = defaultDecodeLimits.maxBytes;
const dir = mkdtempSync(join(tmpdir(), 'omadm-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sparse file of `size` bytes: no disk space, no time to write. */
function sparse(name: string, size: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return path;
}

const tooLarge = (file: string, size: number | undefined, limit = LIMIT, verb = 'decode') =>
  `omadm ${verb}: ${file}: ${size === undefined ? 'input' : `input of ${size} bytes`} is larger than the limit of ${limit} bytes (--max-bytes)\n`;

describe('readFileBounded', () => {
  it('refuses a regular file over the limit from its size, reading none of it', async () => {
    const path = sparse('3g.xml', 3 * 2 ** 30);
    expect(await readFileBounded(path, LIMIT)).toEqual({ oversized: true, size: 3 * 2 ** 30 });
  });

  it('reads a device that never ends up to the limit and one byte more', async () => {
    const got = await readFileBounded('/dev/zero', 1000);
    expect(got).toEqual({ oversized: true, size: undefined });
  });

  it('returns a file of exactly the limit whole, as a plain Uint8Array', async () => {
    const fixture = spec('11.1.1-package1.xml');
    const size = readFileSync(fixture).length;
    const got = await readFileBounded(fixture, size);
    expect(isOversized(got)).toBe(false);
    expect(Object.getPrototypeOf(got)).toBe(Uint8Array.prototype);
    expect(got).toEqual(new Uint8Array(readFileSync(fixture)));
    expect(await readFileBounded(fixture, size - 1)).toEqual({ oversized: true, size });
  });
});

describe('readBounded (standard input)', () => {
  it('stops pulling from an endless stream once it holds more than the limit', async () => {
    const chunk = new Uint8Array(1000);
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled++;
          yield chunk;
        }
      } finally {
        closed = true;
      }
    }
    expect(await readBounded(endless(), 10_500)).toEqual({ oversized: true, size: undefined });
    expect(pulled).toBe(11); // 11,000 bytes: the first chunk past 10,500
    expect(closed).toBe(true);
  });

  it('reads a stream that ends within the limit, text chunks as UTF-8', async () => {
    async function* two(): AsyncGenerator<Uint8Array | string> {
      yield new Uint8Array([0x3c]);
      yield 'é';
    }
    expect(await readBounded(two(), 3)).toEqual(new Uint8Array([0x3c, 0xc3, 0xa9]));
    expect(await readBounded(two(), 2)).toEqual({ oversized: true, size: undefined });
  });
});

describe('omadm VERB with too large an input: exit 1, the limit named', () => {
  it('a 1 GB and a 3 GB file, every verb that reads one', async () => {
    for (const size of [10 ** 9, 3 * 2 ** 30]) {
      const path = sparse(`big-${size}.xml`, size);
      for (const verb of ['decode', 'validate', 'convert', 'encode']) {
        expect(await cli([verb, path])).toEqual({ code: 1, stdout: '', stderr: tooLarge(path, size, LIMIT, verb) });
      }
    }
  });

  it('--max-bytes sets the limit, for files and standard input', async () => {
    const fixture = spec('11.1.1-package1.xml');
    const size = readFileSync(fixture).length;
    expect(await cli(['decode', '--max-bytes', String(size - 1), fixture])).toEqual({ code: 1, stdout: '', stderr: tooLarge(fixture, size, size - 1) });
    expect((await cli(['decode', '--max-bytes', String(size), fixture])).code).toBe(0);
    const stdin = readFileSync(fixture);
    expect(await cli(['validate', '--max-bytes', '100', '-'], { stdin })).toEqual({ code: 1, stdout: '', stderr: tooLarge('<stdin>', undefined, 100, 'validate') });
  });

  it('--max-bytes takes a positive integer', async () => {
    for (const bad of ['0', 'abc', '-5']) {
      const r = await cli(['decode', '--max-bytes', bad, '-']);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n', 1)[0]).toBe(`omadm decode: option '--max-bytes' takes a positive integer, not '${bad}'`);
    }
  });
});

describe('the real process', () => {
  it('omadm decode - < /dev/zero stops at the limit: exit 1', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'decode', '--max-bytes', '1000000', '-'], {
        cwd: ROOT,
        stdio: [zero, 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe(tooLarge('<stdin>', undefined, 1_000_000));
      expect(r.status).toBe(1);
    } finally {
      closeSync(zero);
    }
  });

  it('omadm decode of a 3 GB file: exit 1 with the limit, not Node\'s 2 GiB error', () => {
    const path = sparse('3g-process.xml', 3 * 2 ** 30);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'decode', path], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe(tooLarge(path, 3 * 2 ** 30));
    expect(r.status).toBe(1);
  });
});

describe('--max-text', () => {
  it('sets the longest element text the decoder takes', async () => {
    const fixture = spec('11.1.1-package1.xml');
    expect((await cli(['decode', '--max-text', '1000', fixture])).code).toBe(0);
    const r = await cli(['decode', '--max-text', '5', fixture]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ \(offset \d+\)\n$/);
  });
});
