/**
 * Every fenced `ts` block of README.md is a program a user may paste: each is type-checked
 * with `tsc --strict` against the package (`omadm` and its subpath exports mapped to the source, as a user's
 * project would see the built package) and then run, from the repository root.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

export interface Snippet {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
}

/** The fenced code blocks of `lang` in a Markdown text, with the line each starts on. */
export function fencedBlocks(markdown: string, lang: string): Snippet[] {
  const blocks: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (open[1] === lang) blocks.push({ line: start + 1, code: body.join('\n') + '\n' });
  }
  return blocks;
}

const snippets = fencedBlocks(README, 'ts');
let dir: string;

function tsconfig(files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      // What `import ... from 'omadm'` means in a user's project, served from the source.
      paths: {
        omadm: [join(ROOT, 'src/index.ts')],
        'omadm/arbitraries': [join(ROOT, 'src/arbitraries.ts')],
        'omadm/client': [join(ROOT, 'src/client/index.ts')],
        'omadm/notification': [join(ROOT, 'src/notification/index.ts')],
        'omadm/server': [join(ROOT, 'src/server/index.ts')],
      },
    },
    files,
  });
}

const fileOf = (s: Snippet): string => join(dir, `readme-line-${s.line}.ts`);

beforeAll(() => {
  // Inside the repository, so that what a snippet imports besides omadm (fast-check) resolves
  // as in a user's project that installed it.
  const cache = join(ROOT, 'tmp'); // git-ignored
  mkdirSync(cache, { recursive: true });
  dir = mkdtempSync(join(cache, 'omadm-readme-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const s of snippets) writeFileSync(fileOf(s), s.code);
  writeFileSync(join(dir, 'tsconfig.json'), tsconfig(snippets.map(fileOf)));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README.md', () => {
  it('has ts snippets to check, each a module importing omadm or one of its subpaths', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    for (const s of snippets) expect(s.code, `README.md:${s.line}`).toMatch(/from 'omadm(\/(arbitraries|client|notification|server))?'/);
  });

  it('every ts snippet passes tsc --strict against the package', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.error).toBeUndefined();
    // Name the README line in the failure, not the temporary file.
    expect(r.stdout.replace(/\S*readme-line-(\d+)\.ts/g, 'README.md snippet at line $1')).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it.each(snippets.map((s) => [s.line, s] as const))('the ts snippet at line %i runs without an error', (_line, s) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileOf(s)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json') },
    });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});

describe('README.md set-up commands', () => {
  it('open the README: npm ci && npx omadm demo, then npm test', () => {
    const opening = fencedBlocks(README, 'sh')[0]!;
    expect(opening.line).toBe(3);
    expect(opening.code).toContain('npm ci && npx omadm demo\n');
    expect(opening.code).toContain('npm test\n');
  });
});
