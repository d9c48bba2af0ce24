/** The commander-based plumbing every verb shares (src/cli/verb.ts): value parsers and verb groups. */
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError, isUsageError } from '../../src/cli/command.js';
import { choiceParser, defineGroup, defineVerb, positiveIntegerParser, verbCommand } from '../../src/cli/verb.js';
import { fakeIo } from './helpers.js';

function usageErrorOf(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    if (isUsageError(e)) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('value parsers', () => {
  it('positiveIntegerParser takes decimal digits of a safe positive integer only', () => {
    const p = positiveIntegerParser('--max-bytes');
    expect(p('1')).toBe(1);
    expect(p('33554432')).toBe(33554432);
    for (const bad of ['0', '-1', '1.5', '1e3', '0x10', '', ' 1', '9007199254740992']) {
      expect(usageErrorOf(() => p(bad)).message).toBe(`option '--max-bytes' takes a positive integer, not '${bad}'`);
    }
  });

  it('choiceParser names every choice', () => {
    const p = choiceParser('--profile', ['dm', 'syncml']);
    expect(p('dm')).toBe('dm');
    expect(usageErrorOf(() => p('DM')).message).toBe("option '--profile' takes dm or syncml, not 'DM'");
  });
});

describe('defineGroup: a verb of sub-verbs', () => {
  const seen: string[] = [];
  const get = defineVerb({
    summary: 'Get a node',
    command: () => verbCommand('get', 'Prints the value of URI in FILE.', 'tree').usage('[options] FILE URI').argument('<FILE>').argument('<URI>').option('--json', 'As JSON'),
    epilogue: 'Exit status: 0 found.',
    async run([file, uri], options) {
      seen.push(`${file} ${uri} ${options.json === true}`);
      return ExitCode.ok;
    },
  });
  const tree = defineGroup({ name: 'tree', summary: 'Edit a tree file', description: 'Reads and edits a tree file.', verbs: [get] });

  it('names the sub-verb after its group, and lists the sub-verbs in its help', () => {
    expect(get.fullName).toBe('tree get');
    expect(get.usage.split('\n', 1)[0]).toBe('Usage: omadm tree get [options] FILE URI');
    expect(tree.usage).toContain('Commands:\n  get  Get a node\n');
  });

  it('the first argument picks the sub-verb, which parses the rest with its typed options', async () => {
    expect(await tree.run(['get', 'a.json', './DevInfo/Man', '--json'], fakeIo())).toBe(0);
    expect(seen.at(-1)).toBe('a.json ./DevInfo/Man true');
  });

  it("a sub-verb's bad command line names the sub-verb", async () => {
    const e = await tree.run(['get', 'a.json'], fakeIo()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUsageError(e)).toBe(true);
    expect((e as UsageError).message).toBe('missing URI argument');
    expect((e as UsageError).command).toBe(get);
  });

  it('an unknown or missing sub-verb is a usage error of the group', async () => {
    await expect(tree.run(['put'], fakeIo())).rejects.toThrow("unknown command 'put'");
    await expect(tree.run([], fakeIo())).rejects.toThrow('missing command');
  });

  it('with a default sub-verb, a first argument that is an option runs it with every argument', async () => {
    const run = defineVerb({
      summary: 'Run a device',
      command: () => verbCommand('run', 'Runs a session.', 'device').option('--server <URL>', 'The server'),
      epilogue: 'Exit status: 0 done.',
      async run(_args, options) {
        seen.push(`run ${options.server}`);
        return ExitCode.ok;
      },
    });
    const device = defineGroup({ name: 'device', summary: 'Devices', description: 'Runs devices.', verbs: [run], defaultVerb: 'run' });
    expect(await device.run(['--server', 'http://127.0.0.1:1/dm'], fakeIo())).toBe(0);
    expect(seen.at(-1)).toBe('run http://127.0.0.1:1/dm');
    expect(device.usage).toContain("'omadm device --OPTION ...' is 'omadm device run --OPTION ...'.");
    await expect(device.run(['stop'], fakeIo())).rejects.toThrow("unknown command 'stop'");
    // Help stays the group's.
    expect(await device.run(['--help'], fakeIo())).toBe(0);
  });
});
