/**
 * The package as npm ships it (issue 10, section 4): built, then packed (dry run), every
 * entry point it names is in the tarball, every source map points at a shipped source, and
 * `omadm`, `omadm/arbitraries`, `omadm/client`, `omadm/notification` and `omadm/server`
 * import by their package names in Node, and `omadm` also for TypeScript's older module
 * resolution (the `types` field).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

interface PackageJson {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
let files: Set<string>;

function run(command: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  expect(r.error).toBeUndefined();
  expect(r.stderr.replace(/^npm (warn|notice).*\n/gm, '')).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  // The build script itself (npm ci runs it as prepare): it starts from a clean dist/ (stale
  // outputs of moved files would be packed too) and makes the bin executable.
  run('npm', ['run', '--silent', 'build']);
  const packed = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'])) as { files: { path: string }[] }[];
  files = new Set(packed[0]!.files.map((f) => f.path));
}, 180_000);

const rel = (p: string): string => normalize(p).replace(/^\.\//, '');

describe('the package as shipped', () => {
  it('npx omadm runs the built bin (the README\'s first command): executable, it starts and answers --help', () => {
    const bin = join(ROOT, pkg.bin['omadm']!);
    // A shell refuses a bin without its x bit ("sh: 1: omadm: Permission denied").
    expect(statSync(bin).mode & 0o111, `${bin} is not executable`).not.toBe(0);
    expect(run('npm', ['exec', '--no', '--', 'omadm', '--help'])).toContain('demo');
  }, 60_000);

  it('holds every file package.json points at: main, types, bin and each export', () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const t of Object.values(pkg.exports)) targets.push(...(typeof t === 'string' ? [t] : Object.values(t)));
    for (const t of targets) expect(files.has(rel(t)), t).toBe(true);
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './arbitraries', './client', './notification', './server']));
  });

  it('every source map points at sources that are shipped too', () => {
    const maps = [...files].filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(ROOT, m), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const s of map.sources) expect(files.has(rel(join(dirname(m), map.sourceRoot ?? '', s))), `${m} -> ${s}`).toBe(true);
    }
  });

  it("imports as 'omadm' and 'omadm/arbitraries' in Node", () => {
    const program = `
      import fc from 'fast-check';
      import { decode, encodeWbxml, encodeXml, statusFor, MessageBuilder } from 'omadm';
      import { messageArbitrary } from 'omadm/arbitraries';
      const [m] = fc.sample(messageArbitrary(), { numRuns: 1, seed: 1 });
      const same = JSON.stringify(decode(encodeXml(m))) === JSON.stringify(decode(encodeWbxml(m)));
      console.log(same, typeof statusFor, typeof MessageBuilder);`;
    expect(run(process.execPath, ['--input-type=module', '-e', program])).toBe('true function function\n');
  });

  it("imports as 'omadm/client', 'omadm/notification' and 'omadm/server' in Node; the root does not re-export them", () => {
    const program = `
      import { ManagementTree, CommandExecutor, HttpTransport } from 'omadm/client';
      import { buildTrigger, parseTrigger } from 'omadm/notification';
      import { openStore, createDmServer, jobCommand } from 'omadm/server';
      import * as root from 'omadm';
      const t = parseTrigger(buildTrigger({ version: 12, uiMode: 0, initiator: 1, sessionId: 7, serverId: 's' }, { password: 'p', nonce: new Uint8Array(4) }));
      console.log([ManagementTree, CommandExecutor, HttpTransport, openStore, createDmServer, jobCommand].map((f) => typeof f).join(' '), t.sessionId,
        ['ManagementTree', 'buildTrigger', 'openStore', 'createDmServer'].some((n) => n in root));`;
    expect(run(process.execPath, ['--input-type=module', '-e', program])).toBe('function function function function function function 7 false\n');
  });

  it("type-checks against 'omadm' through the types field (moduleResolution node10)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'omadm-types-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(ROOT, join(dir, 'node_modules/omadm'), 'dir');
      writeFileSync(join(dir, 'use.ts'), "import { decode, statusFor, type SyncML } from 'omadm';\nexport const f: (b: Uint8Array) => SyncML = decode;\nexport const g = statusFor;\n");
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'ESNext', moduleResolution: 'node10', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
          files: ['use.ts'],
        }),
      );
      run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
