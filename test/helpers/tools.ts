/**
 * The interop tools some tests run, and the one way such a test treats a missing tool:
 * locally it is skipped, with a message naming the Debian package that provides the tool;
 * in CI (`CI=true`), where `.ci/run` installs them all, it fails instead.
 *
 *   describeWithTools(['xml2wbxml'], 'omadm and libwbxml', () => { it(...) });
 *
 * or, for a single test, `it.skipIf(tool('xmllint').skip)(...)` (in CI it then runs and fails
 * where the tool is missing).
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** Each tool a test may need, with the Debian package it comes from. */
export const TOOL_PACKAGES = {
  xmllint: 'libxml2-utils',
  xml2wbxml: 'libwbxml2-utils',
  wbxml2xml: 'libwbxml2-utils',
  java: 'default-jre-headless',
} as const;

export type ToolName = keyof typeof TOOL_PACKAGES;

export interface Tool {
  readonly name: ToolName;
  /** The Debian package to install for it. */
  readonly debianPackage: string;
  /** Can it be run here? */
  readonly installed: boolean;
  /** Whether tests that need it are to be skipped: missing, and not in CI. */
  readonly skip: boolean;
  /** Why those tests are skipped (or fail in CI): names the tool and its Debian package. */
  readonly missingMessage: string;
}

/** Is this a CI run, where every tool must be there? */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

const cache = new Map<ToolName, boolean>();

/** Runs the tool once (no arguments, its usage text) to see whether it exists. */
function probe(name: ToolName): boolean {
  let found = cache.get(name);
  if (found === undefined) {
    const args = name === 'java' ? ['-version'] : name === 'xmllint' ? ['--version'] : [];
    found = spawnSync(name, args, { encoding: 'utf8', timeout: 30_000 }).error === undefined;
    cache.set(name, found);
  }
  return found;
}

/** What the tests know about one tool; `installed` may be given (tests of this helper). */
export function tool(name: ToolName, options: { installed?: boolean; env?: NodeJS.ProcessEnv } = {}): Tool {
  const installed = options.installed ?? probe(name);
  const debianPackage = TOOL_PACKAGES[name];
  return {
    name,
    debianPackage,
    installed,
    skip: !installed && !inCI(options.env),
    missingMessage: `${name} is not installed (Debian: apt-get install ${debianPackage})`,
  };
}

/**
 * `describe`, for a suite that needs these tools: skipped with a message when one is missing
 * locally; in CI, a missing tool is a failing test that says which package to install.
 */
export function describeWithTools(tools: readonly ToolName[], title: string, body: () => void): void {
  const missing = tools.map((t) => tool(t)).filter((t) => !t.installed);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const message = missing.map((t) => t.missingMessage).join('; ');
  if (inCI()) {
    describe(title, () => {
      it('has the tools it needs', () => {
        throw new Error(`${message}: CI must install it (.ci/run)`);
      });
    });
    return;
  }
  describe.skip(`${title} [skipped: ${message}]`, body);
}
