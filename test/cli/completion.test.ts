/** `omadm completion bash`: the script completes what the registry declares, run in a real bash. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bashCompletion } from '../../src/cli/commands/completion.js';
import { ExitCode } from '../../src/cli/command.js';
import { commands } from '../../src/cli/registry.js';
import { defineGroup, defineVerb, verbCommand } from '../../src/cli/verb.js';
import { cli } from './helpers.js';

const hasBash = spawnSync('bash', ['-c', 'true']).error === undefined;

/** What the script offers for a command line whose last word is being completed. */
function complete(script: string, words: string[]): string[] {
  const array = words.map((w) => `'${w}'`).join(' ');
  const program = `${script}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _omadm; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', program], { encoding: 'utf8', timeout: 30_000, cwd: '/' });
  expect(r.error).toBeUndefined();
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe.skipIf(!hasBash)('omadm completion bash', () => {
  it('prints the script for the registry', async () => {
    expect(await cli(['completion', 'bash'])).toEqual({ code: 0, stdout: bashCompletion(commands), stderr: '' });
  });

  it('completes verbs, then each verb\'s own options', () => {
    const script = bashCompletion(commands);
    expect(complete(script, ['omadm', 'dec'])).toEqual(['decode']);
    expect(complete(script, ['omadm', 'validate', '--s'])).toEqual(['--structure-only']);
    expect(complete(script, ['omadm', 'encode', '--w'])).toEqual(['--wbxml']);
    expect(complete(script, ['omadm', 'decode', '--max-'])).toEqual(['--max-bytes', '--max-text']);
    expect(complete(script, ['omadm', 'help', 'con'])).toEqual(['convert']);
  });

  it('completes the sub-verbs of a group, then theirs options', () => {
    const get = defineVerb({
      summary: 'Get',
      command: () => verbCommand('get', 'Get.', 'tree').argument('<FILE>').option('--json', 'As JSON'),
      epilogue: '',
      run: async () => ExitCode.ok,
    });
    const script = bashCompletion([defineGroup({ name: 'tree', summary: 'Trees', description: 'Trees.', verbs: [get] })]);
    expect(complete(script, ['omadm', 'tree', 'g'])).toEqual(['get']);
    expect(complete(script, ['omadm', 'tree', 'get', '--j'])).toEqual(['--json']);
  });

  it('knows no other shell yet', async () => {
    const r = await cli(['completion', 'zsh']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n', 1)[0]).toBe("omadm completion: SHELL takes bash, not 'zsh'");
  });
});
