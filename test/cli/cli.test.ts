import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { commands, findCommand, globalUsage } from '../../src/cli/registry.js';
import { readVersion } from '../../src/cli/version.js';
import { decodeXml } from '../../src/index.js';
import { ROOT, cli, fakeIo, spec } from './helpers.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const USAGE = globalUsage() + '\n';

describe('registry', () => {
  it('holds the first verbs, each a module with name, summary, usage and run', () => {
    expect(commands.map((c) => c.name)).toEqual(['decode', 'encode', 'convert', 'validate', 'demo', 'serve', 'device', 'job', 'notify', 'tree', 'fuzz', 'help', 'completion']);
    for (const c of commands) {
      expect(typeof c.summary).toBe('string');
      expect(c.summary.length).toBeGreaterThan(0);
      expect(c.summary).not.toContain('\n');
      expect(c.usage.startsWith(`Usage: omadm ${c.name}`)).toBe(true);
      expect(typeof c.run).toBe('function');
      expect(findCommand(c.name)).toBe(c);
    }
    expect(findCommand('nope')).toBeUndefined();
  });

  it('lists every verb with its summary in the global usage', () => {
    expect(globalUsage()).toBe(`Usage: omadm COMMAND [options] [arguments]

OMA Device Management (SyncML DM 1.2/1.3) toolkit.

Commands:
  decode      Decode a SyncML XML or WBXML message and print it as JSON
  encode      Encode a JSON message as SyncML XML or WBXML
  convert     Convert a message from SyncML XML to WBXML, or back
  validate    Check that a file is a valid OMA DM message, and say what was checked
  demo        Run a DM server and simulated devices, and show their sessions
  serve       Run the DM server (DM endpoint over HTTP, sessions and jobs in the database)
  device      Run a simulated device, or manage the devices of the server
  job         Enqueue, list, show and cancel the jobs of devices
  notify      Write the Package#0 notification of a device
  tree        Read and edit a device tree file (show, get, set)
  fuzz        Test another DM implementation against the spec, with a report
  help        Show the command list, or the help of one command
  completion  Print a shell completion script

Options:
  -h, --help     Show this help
  -V, --version  Print the version

Run 'omadm help COMMAND' or 'omadm COMMAND --help' for the help of a command.
Exit status: 0 success, 1 invalid input, 2 usage error, 70 internal error.`);
  });
});

describe('omadm (global options)', () => {
  it('--help, -h and help print the global usage on stdout, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      expect(await cli(argv)).toEqual({ code: 0, stdout: USAGE, stderr: '' });
    }
  });

  it('--version and -V print the version of package.json, exit 0', async () => {
    expect(readVersion()).toBe(version);
    for (const argv of [['--version'], ['-V']]) {
      expect(await cli(argv)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('no command: usage on stderr, exit 2', async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: `omadm: missing command\n${USAGE}` });
  });

  it('unknown command: usage on stderr, exit 2', async () => {
    expect(await cli(['frobnicate', 'x'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `omadm: unknown command 'frobnicate'\n${USAGE}`,
    });
  });

  it('unknown global option: usage on stderr, exit 2', async () => {
    expect(await cli(['--frob', 'decode'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `omadm: unknown option '--frob'\n${USAGE}`,
    });
  });

  it('--version takes no argument', async () => {
    expect(await cli(['--version', 'x'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `omadm: unexpected argument 'x'\n${USAGE}`,
    });
  });
});

describe('omadm help', () => {
  it('help VERB, --help VERB and VERB --help print the verb usage on stdout, exit 0', async () => {
    for (const c of commands) {
      const expected = { code: 0, stdout: c.usage + '\n', stderr: '' };
      expect(await cli(['help', c.name])).toEqual(expected);
      expect(await cli(['--help', c.name])).toEqual(expected);
      expect(await cli([c.name, '--help'])).toEqual(expected);
      expect(await cli([c.name, '-h'])).toEqual(expected);
    }
  });

  it('help of an unknown verb is a usage error, exit 2', async () => {
    expect(await cli(['help', 'frob'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "omadm help: unknown command 'frob'\nUsage: omadm help [COMMAND [SUBCOMMAND]]\nRun 'omadm help help' for details.\n",
    });
  });

  it('help takes at most one verb', async () => {
    expect(await cli(['help', 'decode', 'encode'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "omadm help: unexpected argument 'encode'\nUsage: omadm help [COMMAND [SUBCOMMAND]]\nRun 'omadm help help' for details.\n",
    });
  });

  it('the decode usage text: the synopsis, the prose at 80 columns, options, exit status', () => {
    const usage = findCommand('decode')!.usage;
    expect(usage.startsWith(`Usage: omadm decode [options] FILE|-

Reads a SyncML (OMA DM) message, XML or WBXML, from FILE, or from standard input
for '-', and prints the typed message as JSON (2-space indent). WBXML is told
from XML by its first byte (a WBXML version, 0x01 to 0x03). Keys follow the
content model order, so the same message always prints the same bytes, whatever
its encoding, whitespace, Meta child order or CDATA/escaping.

Options:
`)).toBe(true);
    expect(usage).toMatch(/\n {2}-h, --help +Show this help\n\nExit status: 0 decoded; 1 /);
    for (const command of commands) for (const line of command.usage.split('\n')) expect(line.length, `${command.name}: ${line}`).toBeLessThanOrEqual(80);
  });

  it('every option of a verb is in its help, from the same declaration that parses it', () => {
    const encode = findCommand('encode')!.usage;
    for (const flag of ['--declaration', '--wbxml', '--strings <auto|inline|table>', '--fpi', '-o, --output <FILE>', '-h, --help']) {
      expect(encode).toContain(`  ${flag}  `);
    }
  });
});

describe('usage errors in the CLI\'s words', () => {
  it('a mistyped long option is named, with the option it resembles', async () => {
    expect(await cli(['encode', '--outptu', 'x.xml', '-'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "omadm encode: unknown option '--outptu' (did you mean --output?)\nUsage: omadm encode [options] FILE.json|-\nRun 'omadm help encode' for details.\n",
    });
  });

  it('a missing value names the flag as typed, short or long', async () => {
    expect((await cli(['convert', 'a.xml', '--output'])).stderr).toMatch(/^omadm convert: option '--output' needs a value\n/);
    expect((await cli(['convert', 'a.xml', '-o'])).stderr).toMatch(/^omadm convert: option '-o' needs a value\n/);
  });

  it('a verb parses afresh on every run: nothing carries over from the run before', async () => {
    const json = JSON.stringify(decodeXml(readFileSync(spec('11.1.1-package1.xml'))));
    const first = await cli(['encode', '--declaration', '-'], { stdin: json });
    expect(first.code).toBe(0);
    expect(first.stdout.startsWith('<?xml ')).toBe(true);
    const second = await cli(['encode', '-'], { stdin: json });
    expect(second.code).toBe(0);
    expect(second.stdout.startsWith('<SyncML')).toBe(true);
  });
});

describe('internal errors', () => {
  it('an unexpected exception prints one line, no stack trace, exit 70', async () => {
    const io = fakeIo();
    io.stdin = () => Promise.reject(new Error('stdin exploded'));
    expect(await runCli(['decode', '-'], io)).toBe(70);
    expect(io.out).toBe('');
    expect(io.err).toBe('omadm: internal error: Error: stdin exploded\n');
  });

  it('a throwing output stream is an internal error too', async () => {
    const io = fakeIo();
    io.stdout = () => {
      throw new TypeError('stdout is gone');
    };
    expect(await runCli(['decode', spec('11.1.1-package1.xml')], io)).toBe(70);
    expect(io.err).toBe('omadm: internal error: TypeError: stdout is gone\n');
  });

  it('a throwing binary output stream is an internal error too', async () => {
    const io = fakeIo();
    io.stdoutBytes = () => {
      throw new TypeError('stdout is gone');
    };
    expect(await runCli(['convert', spec('11.1.1-package1.xml')], io)).toBe(70);
    expect(io.err).toBe('omadm: internal error: TypeError: stdout is gone\n');
  });

  it('a file that cannot be written is a usage error, whatever the file system threw', async () => {
    const io = fakeIo();
    io.writeFile = () => {
      throw 'weird';
    };
    expect(await runCli(['convert', '-o', 'x.wbxml', spec('11.1.1-package1.xml')], io)).toBe(2);
    expect(io.err).toBe("omadm convert: cannot write 'x.wbxml': weird\nUsage: omadm convert [options] FILE|-\nRun 'omadm help convert' for details.\n");
  });

  it('a file that cannot be read is a usage error, whatever the file system threw', async () => {
    const io = fakeIo();
    io.readFile = () => {
      throw 'weird';
    };
    expect(await runCli(['decode', 'x.xml'], io)).toBe(2);
    expect(io.err).toBe("omadm decode: cannot read 'x.xml': weird\nUsage: omadm decode [options] FILE|-\nRun 'omadm help decode' for details.\n");
  });
});
