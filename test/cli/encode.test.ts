import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { nodeIo } from '../../src/cli/io.js';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXmlString, parseMessage, wbxmlSize } from '../../src/index.js';
import { cli, cliBytes, fakeIo, readSpec, spec, specFixtures } from './helpers.js';

const ENCODE_USAGE = "Usage: omadm encode [options] FILE.json|-\nRun 'omadm help encode' for details.\n";
const usageError = (message: string) => ({ code: 2, stdout: '', stderr: `omadm encode: ${message}\n${ENCODE_USAGE}` });

async function decodedJson(file: string): Promise<string> {
  const r = await cli(['decode', spec(file)]);
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('omadm encode', () => {
  it('prints compact XML, one line, for the JSON decode printed', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const r = await cli(['encode', 'm.json'], { files: { 'm.json': json } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const expected = encodeXmlString(parseMessage(JSON.parse(json)));
    expect(r.stdout).toBe(expected + '\n');
    expect(r.stdout.startsWith('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD>')).toBe(true);
    expect(r.stdout.indexOf('\n')).toBe(r.stdout.length - 1);
  });

  it('--declaration starts the output with the XML declaration', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const plain = await cli(['encode', '-'], { stdin: json });
    const declared = await cli(['encode', '--declaration', '-'], { stdin: json });
    expect(declared.code).toBe(0);
    expect(declared.stdout).toBe('<?xml version="1.0" encoding="UTF-8"?>' + plain.stdout);
    // Flags may follow the file too.
    expect(await cli(['encode', '-', '--declaration'], { stdin: json })).toEqual(declared);
  });

  it('accepts a UTF-8 byte order mark before the JSON', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const withBom = await cli(['encode', '-'], { stdin: '\uFEFF' + json });
    const without = await cli(['encode', '-'], { stdin: json });
    expect(withBom).toEqual(without);
  });

  for (const file of specFixtures) {
    it(`round-trips ${file}: decode | encode | decode prints the same JSON`, async () => {
      const json = await decodedJson(file);
      const encoded = await cli(['encode', '-'], { stdin: json });
      expect(encoded.stderr).toBe('');
      expect(encoded.code).toBe(0);
      const again = await cli(['decode', '-'], { stdin: encoded.stdout });
      expect(again).toEqual({ code: 0, stdout: json, stderr: '' });
      expect(decodeXml(encoded.stdout)).toEqual(decodeXml(readSpec(file)));
    });
  }
});

describe('omadm encode: invalid input, exit 1', () => {
  it('invalid JSON gets one clear line', async () => {
    const r = await cli(['encode', 'broken.json'], { files: { 'broken.json': '{"syncHdr": ' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // The rest of the line is V8's wording of the syntax error.
    expect(r.stderr).toMatch(/^omadm encode: broken\.json: invalid JSON: \S.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  it('invalid JSON from stdin is named <stdin>', async () => {
    const r = await cli(['encode', '-'], { stdin: 'not json' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^omadm encode: <stdin>: invalid JSON: \S.*\n$/);
  });

  it('input that is not UTF-8', async () => {
    expect(await cli(['encode', '-'], { stdin: new Uint8Array([0x7b, 0xff, 0x7d]) })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'omadm encode: <stdin>: input is not valid UTF-8\n',
    });
  });

  it('JSON that is not a message: one path: reason line per issue', async () => {
    const value = { syncHdr: { verDTD: 1.2 }, extra: true };
    const r = await cli(['encode', '-'], { stdin: JSON.stringify(value) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    let issues: readonly { path: string; reason: string }[] = [];
    try {
      parseMessage(value);
    } catch (e) {
      issues = (e as { issues: typeof issues }).issues;
    }
    expect(issues.length).toBeGreaterThan(1);
    expect(r.stderr).toBe(issues.map((i) => `<stdin>: ${i.path || '/'}: ${i.reason}\n`).join(''));
    expect(r.stderr).toContain('syncHdr.verDTD: ');
    expect(r.stderr).toContain('extra: ');
  });

  it('a JSON value that is not an object reports the root as /', async () => {
    const r = await cli(['encode', '-'], { stdin: 'null' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^<stdin>: \/: .*\n$/);
  });

  it('a message with a wrong field deep inside names its path', async () => {
    const message = JSON.parse(await decodedJson('11.1.1-package1.xml')) as {
      syncBody: { commands: { items: { data?: unknown }[] }[] };
    };
    message.syncBody.commands[1]!.items[2]!.data = 42;
    const r = await cli(['encode', '-'], { stdin: JSON.stringify(message) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^<stdin>: syncBody\.commands\[1\]\.items\[2\]\.data: .+\n$/);
  });
});

describe('omadm encode --wbxml', () => {
  it('writes the WBXML bytes the library writes, nothing else', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const r = await cliBytes(['encode', '--wbxml', '-'], { stdin: json });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const message = parseMessage(JSON.parse(json));
    expect(r.stdout).toEqual(encodeWbxml(message));
    // WBXML 1.3, public id 0x1201 (a4 01), UTF-8 (6a); no newline at the end.
    expect([...r.stdout.slice(0, 4)]).toEqual([0x03, 0xa4, 0x01, 0x6a]);
    expect(r.stdout.length).toBe(wbxmlSize(message));
    expect(r.written).toEqual({});
  });

  it('--strings and --fpi choose the string table and the public id form', async () => {
    const json = await decodedJson('11.1.2-package2.xml');
    const message = parseMessage(JSON.parse(json));
    const outputs = new Map<string, Uint8Array>();
    for (const strings of ['auto', 'inline', 'table'] as const) {
      for (const fpi of [false, true]) {
        const argv = ['encode', '--wbxml', '--strings', strings, ...(fpi ? ['--fpi'] : []), '-'];
        const r = await cliBytes(argv, { stdin: json });
        expect(r.code).toBe(0);
        expect(r.stdout).toEqual(encodeWbxml(message, { strings, publicId: fpi ? 'fpi' : 'id' }));
        expect(decodeWbxml(r.stdout)).toEqual(message);
        outputs.set(`${strings} ${fpi}`, r.stdout);
      }
    }
    // --strings auto is the default; the three modes differ on this message; --fpi puts public id 0 first.
    expect((await cliBytes(['encode', '--wbxml', '-'], { stdin: json })).stdout).toEqual(outputs.get('auto false'));
    expect(outputs.get('inline false')![4]).toBe(0); // empty string table
    expect(outputs.get('table false')).not.toEqual(outputs.get('inline false'));
    expect(outputs.get('auto false')!.length).toBeLessThanOrEqual(outputs.get('inline false')!.length);
    expect(outputs.get('auto false')!.length).toBeLessThanOrEqual(outputs.get('table false')!.length);
    expect([...outputs.get('inline true')!.slice(0, 3)]).toEqual([0x03, 0x00, 0x00]);
  });

  for (const file of specFixtures) {
    it(`round-trips ${file}: decode | encode --wbxml | decode prints the same JSON`, async () => {
      const json = await decodedJson(file);
      const encoded = await cliBytes(['encode', '--wbxml', '-'], { stdin: json });
      expect(encoded.stderr).toBe('');
      expect(encoded.code).toBe(0);
      expect(await cli(['decode', '-'], { stdin: encoded.stdout })).toEqual({ code: 0, stdout: json, stderr: '' });
    });
  }
});

describe('omadm encode -o FILE', () => {
  it('writes the XML to FILE, the same bytes stdout gets, and nothing to stdout', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const toStdout = await cliBytes(['encode', '--declaration', '-'], { stdin: json });
    for (const flag of ['-o', '--output']) {
      const r = await cliBytes(['encode', '--declaration', flag, 'out.xml', '-'], { stdin: json });
      expect(r).toEqual({ code: 0, stdout: new Uint8Array(), stderr: '', written: { 'out.xml': toStdout.stdout } });
    }
    const inline = await cliBytes(['encode', '--output=out.xml', '-'], { stdin: json });
    expect(inline.written['out.xml']).toEqual((await cliBytes(['encode', '-'], { stdin: json })).stdout);
  });

  it('writes WBXML to FILE', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const r = await cliBytes(['encode', '--wbxml', '-o', 'out.wbxml', '-'], { stdin: json });
    expect(r).toEqual({ code: 0, stdout: new Uint8Array(), stderr: '', written: { 'out.wbxml': encodeWbxml(parseMessage(JSON.parse(json))) } });
  });

  it("-o - is standard output", async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    expect(await cliBytes(['encode', '--wbxml', '-o', '-', '-'], { stdin: json })).toEqual(await cliBytes(['encode', '--wbxml', '-'], { stdin: json }));
  });

  it('writes no file for input that is not a message', async () => {
    const r = await cliBytes(['encode', '--wbxml', '-o', 'out.wbxml', '-'], { stdin: '{}' });
    expect(r.code).toBe(1);
    expect(r.written).toEqual({});
    const broken = await cliBytes(['encode', '-o', 'out.xml', '-'], { stdin: '{' });
    expect(broken.code).toBe(1);
    expect(broken.written).toEqual({});
  });

  describe('on the real file system', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omadm-cli-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    async function encodeTo(output: string): Promise<{ code: number; err: string }> {
      const io = fakeIo({ stdin: await decodedJson('11.1.1-package1.xml') });
      io.writeFile = nodeIo().writeFile;
      const code = await runCli(['encode', '--wbxml', '-o', output, '-'], io);
      expect(io.out).toBe('');
      return { code, err: io.err };
    }

    it('creates or replaces the file', async () => {
      const out = join(dir, 'out.wbxml');
      writeFileSync(out, 'old content that is longer than nothing');
      expect(await encodeTo(out)).toEqual({ code: 0, err: '' });
      expect(new Uint8Array(readFileSync(out))).toEqual(encodeWbxml(decodeXml(readSpec('11.1.1-package1.xml'))));
    });

    it('a directory that does not exist: usage error, exit 2', async () => {
      const out = join(dir, 'missing', 'out.wbxml');
      expect(await encodeTo(out)).toEqual({ code: 2, err: usageError(`cannot write '${out}': no such directory`).stderr });
    });

    it('a directory as the file: usage error, exit 2', async () => {
      expect(await encodeTo(dir)).toEqual({ code: 2, err: usageError(`cannot write '${dir}': is a directory`).stderr });
    });

    it('a file on the way: usage error, exit 2', async () => {
      const file = join(dir, 'plain');
      writeFileSync(file, '');
      const out = join(file, 'out.wbxml');
      expect(await encodeTo(out)).toEqual({ code: 2, err: usageError(`cannot write '${out}': not a directory`).stderr });
    });
  });
});

describe('omadm encode: WBXML and terminals', () => {
  const refused = usageError('refusing to write WBXML to a terminal; use -o FILE or a pipe');

  it('refuses to write WBXML to a terminal, before reading any input, exit 2', async () => {
    // The fake stdin fails the test when read: the refusal comes first.
    expect(await cli(['encode', '--wbxml', '-'], { stdoutIsTTY: true })).toEqual(refused);
    expect(await cli(['encode', '--wbxml', '-o', '-', '-'], { stdoutIsTTY: true })).toEqual(refused);
  });

  it('writes WBXML to a file with a terminal as stdout', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    const r = await cliBytes(['encode', '--wbxml', '-o', 'm.wbxml', '-'], { stdin: json, stdoutIsTTY: true });
    expect(r.code).toBe(0);
    expect(r.written['m.wbxml']).toEqual((await cliBytes(['encode', '--wbxml', '-'], { stdin: json })).stdout);
  });

  it('writes XML to a terminal', async () => {
    const json = await decodedJson('11.1.1-package1.xml');
    expect(await cli(['encode', '-'], { stdin: json, stdoutIsTTY: true })).toEqual(await cli(['encode', '-'], { stdin: json }));
  });
});

describe('omadm encode: usage errors, exit 2', () => {
  it('--strings and --fpi need --wbxml', async () => {
    expect(await cli(['encode', '--strings', 'inline', '-'])).toEqual(usageError("option '--strings' needs --wbxml"));
    expect(await cli(['encode', '--fpi', '-'])).toEqual(usageError("option '--fpi' needs --wbxml"));
  });

  it('--declaration is for XML only', async () => {
    expect(await cli(['encode', '--wbxml', '--declaration', '-'])).toEqual(usageError("option '--declaration' is for XML, not --wbxml"));
  });

  it('an unknown --strings mode', async () => {
    expect(await cli(['encode', '--wbxml', '--strings', 'some', '-'])).toEqual(
      usageError("option '--strings' takes auto, inline or table, not 'some'"),
    );
    expect(await cli(['encode', '--wbxml', '--strings=', '-'])).toEqual(usageError("option '--strings' takes auto, inline or table, not ''"));
  });

  it('options without their value', async () => {
    expect(await cli(['encode', '--wbxml', '-', '--strings'])).toEqual(usageError("option '--strings' needs a value"));
    expect(await cli(['encode', '-', '-o'])).toEqual(usageError("option '-o' needs a value"));
    expect(await cli(['encode', '-', '--output'])).toEqual(usageError("option '--output' needs a value"));
  });

  it('a value given to --wbxml or --fpi', async () => {
    expect(await cli(['encode', '--wbxml=yes', '-'])).toEqual(usageError("option '--wbxml' takes no value"));
    expect(await cli(['encode', '--wbxml', '--fpi=1', '-'])).toEqual(usageError("option '--fpi' takes no value"));
  });

  it('missing FILE', async () => {
    expect(await cli(['encode'])).toEqual(usageError('missing FILE argument'));
  });

  it('unknown option', async () => {
    expect(await cli(['encode', '--pretty', '-'])).toEqual(usageError("unknown option '--pretty'"));
  });

  it('a value given to --declaration', async () => {
    expect(await cli(['encode', '--declaration=no', '-'])).toEqual(usageError("option '--declaration' takes no value"));
  });

  it('a file that does not exist', async () => {
    expect(await cli(['encode', '/nonexistent/m.json'])).toEqual(usageError("cannot read '/nonexistent/m.json': no such file"));
  });
});
