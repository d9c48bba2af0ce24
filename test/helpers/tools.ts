/**
 * The interop tools some tests run, and the one way such a test treats a missing tool:
 * locally it is skipped, with a message naming the Debian package that provides the tool;
 * in CI (`CI=true`), where `.ci/run` installs them all, it fails instead.
 *
 *   describeWithTools(['xml2wbxml'], 'omadm and libwbxml', () => { it(...) });
 *
 * or, for a single test, `itWithTools(['xmllint'], 'title', () => {...})`. Code that runs a tool
 * can call `requireTools([...])` first, so that a missing tool is an error naming its package.
 */
import { spawnSync } from 'node:child_process';
import { describe, it, type TestFunction } from 'vitest';

/** Each tool a test may need, with the Debian package it comes from. */
export const TOOL_PACKAGES = {
  xmllint: 'libxml2-utils',
  xml2wbxml: 'libwbxml2-utils',
  wbxml2xml: 'libwbxml2-utils',
  // The JDK, not only the JRE: xsd-schema-validator compiles its helper with javac when it is installed.
  java: 'default-jdk-headless',
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

/** Why the tools that are missing here are missing, or undefined when all are installed. */
function missingMessage(tools: readonly ToolName[]): string | undefined {
  const missing = tools.map((t) => tool(t)).filter((t) => !t.installed);
  return missing.length === 0 ? undefined : missing.map((t) => t.missingMessage).join('; ');
}

/** The error a test meets where a tool it needs is missing. */
function missingError(message: string): Error {
  return new Error(`${message}${inCI() ? ': CI must install it (.ci/run)' : ''}`);
}

/** Throws, naming the Debian package, unless every one of the tools can be run. */
export function requireTools(tools: readonly ToolName[]): void {
  const message = missingMessage(tools);
  if (message !== undefined) throw missingError(message);
}

/**
 * `describe`, for a suite that needs these tools: skipped with a message when one is missing
 * locally; in CI, a missing tool is a failing test that says which package to install.
 */
export function describeWithTools(tools: readonly ToolName[], title: string, body: () => void): void {
  const message = missingMessage(tools);
  if (message === undefined) describe(title, body);
  else if (inCI()) {
    describe(title, () => {
      it('has the tools it needs', () => {
        throw missingError(message);
      });
    });
  } else {
    console.warn(`skipping "${title}": ${message}`);
    describe.skip(`${title} [skipped: ${message}]`, body);
  }
}

/** `it`, for one test that needs these tools, treated as `describeWithTools` treats a suite. */
export function itWithTools(tools: readonly ToolName[], title: string, fn: TestFunction, timeout?: number): void {
  const message = missingMessage(tools);
  if (message === undefined) it(title, fn, timeout);
  else if (inCI()) {
    it(title, () => {
      throw missingError(message);
    });
  } else {
    console.warn(`skipping "${title}": ${message}`);
    it.skip(`${title} [skipped: ${message}]`, fn, timeout);
  }
}
