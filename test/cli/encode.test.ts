import { describe, expect, it } from 'vitest';
import { decodeXml, encodeXmlString, parseMessage } from '../../src/index.js';
import { cli, readSpec, spec, specFixtures } from './helpers.js';

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
    expect(r.stderr).toBe(issues.map((i) => `${i.path || '/'}: ${i.reason}\n`).join(''));
    expect(r.stderr).toContain('syncHdr.verDTD: ');
    expect(r.stderr).toContain('extra: ');
  });

  it('a JSON value that is not an object reports the root as /', async () => {
    const r = await cli(['encode', '-'], { stdin: 'null' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\/: .*\n$/);
  });

  it('a message with a wrong field deep inside names its path', async () => {
    const message = JSON.parse(await decodedJson('11.1.1-package1.xml')) as {
      syncBody: { commands: { items: { data?: unknown }[] }[] };
    };
    message.syncBody.commands[1]!.items[2]!.data = 42;
    const r = await cli(['encode', '-'], { stdin: JSON.stringify(message) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^syncBody\.commands\[1\]\.items\[2\]\.data: .+\n$/);
  });
});

describe('omadm encode: usage errors, exit 2', () => {
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
