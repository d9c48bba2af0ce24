import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { nodeIo } from '../../src/cli/io.js';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXmlString } from '../../src/index.js';
import { cli, cliBytes, decodeErrorLine, fakeIo, readSpec, spec, specFixtures, specWbxml } from './helpers.js';

const CONVERT_USAGE = "Usage: omadm convert [options] FILE|-\nRun 'omadm help convert' for details.\n";
const usageError = (message: string) => ({ code: 2, stdout: '', stderr: `omadm convert: ${message}\n${CONVERT_USAGE}` });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('omadm convert: XML to WBXML and back, every spec example', () => {
  for (const file of specFixtures) {
    it(file, async () => {
      const value = decodeXml(readSpec(file));
      const toWbxml = await cliBytes(['convert', spec(file)]);
      expect(toWbxml.stderr).toBe('');
      expect(toWbxml.code).toBe(0);
      expect(toWbxml.stdout).toEqual(encodeWbxml(value));
      expect(decodeWbxml(toWbxml.stdout)).toEqual(value);

      const back = await cliBytes(['convert', '-'], { stdin: toWbxml.stdout });
      expect(back.stderr).toBe('');
      expect(back.code).toBe(0);
      // Compact XML on one line, the same value as the fixture.
      expect(text(back.stdout)).toBe(encodeXmlString(value) + '\n');
      expect(decodeXml(back.stdout)).toEqual(value);

      // Converting the compact XML again gives the same WBXML bytes.
      expect((await cliBytes(['convert', '-'], { stdin: back.stdout })).stdout).toEqual(toWbxml.stdout);
    });
  }
});

describe('omadm convert: options', () => {
  const file = '11.1.2-package2.xml';
  const value = decodeXml(readSpec(file));

  it('--strings and --fpi shape the WBXML', async () => {
    for (const strings of ['auto', 'inline', 'table'] as const) {
      for (const fpi of [false, true]) {
        const r = await cliBytes(['convert', '--strings', strings, ...(fpi ? ['--fpi'] : []), spec(file)]);
        expect(r.code).toBe(0);
        expect(r.stdout).toEqual(encodeWbxml(value, { strings, publicId: fpi ? 'fpi' : 'id' }));
      }
    }
  });

  it('reads WBXML of every shape', async () => {
    const expected = encodeXmlString(value) + '\n';
    for (const strings of ['auto', 'inline', 'table'] as const) {
      for (const publicId of ['id', 'fpi'] as const) {
        expect(await cli(['convert', '-'], { stdin: specWbxml(file, { strings, publicId }) })).toEqual({ code: 0, stdout: expected, stderr: '' });
      }
    }
  });

  it('--declaration starts the XML with the declaration', async () => {
    const r = await cli(['convert', '--declaration', '-'], { stdin: specWbxml(file) });
    expect(r).toEqual({ code: 0, stdout: encodeXmlString(value, { declaration: true }) + '\n', stderr: '' });
  });

  it('ignores the options of the other direction', async () => {
    const wbxml = specWbxml(file);
    expect(await cliBytes(['convert', '--declaration', spec(file)])).toEqual(await cliBytes(['convert', spec(file)]));
    expect(await cliBytes(['convert', '--fpi', '--strings', 'table', '-'], { stdin: wbxml })).toEqual(await cliBytes(['convert', '-'], { stdin: wbxml }));
  });

  it('-o FILE writes the output there, stdout stays empty', async () => {
    const toStdout = await cliBytes(['convert', spec(file)]);
    for (const argv of [['-o', 'out.wbxml'], ['--output', 'out.wbxml'], ['--output=out.wbxml']]) {
      expect(await cliBytes(['convert', ...argv, spec(file)])).toEqual({
        code: 0,
        stdout: new Uint8Array(),
        stderr: '',
        written: { 'out.wbxml': toStdout.stdout },
      });
    }
    const xml = await cliBytes(['convert', '-o', 'out.xml', '-'], { stdin: toStdout.stdout });
    expect(xml.stdout).toEqual(new Uint8Array());
    expect(text(xml.written['out.xml']!)).toBe(encodeXmlString(value) + '\n');
  });

  it('-o - is standard output', async () => {
    expect(await cliBytes(['convert', '-o', '-', spec(file)])).toEqual(await cliBytes(['convert', spec(file)]));
  });

  it('-o on the real file system', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omadm-cli-'));
    try {
      const io = fakeIo();
      io.writeFile = nodeIo().writeFile;
      const out = join(dir, 'out.wbxml');
      expect(await runCli(['convert', '-o', out, spec(file)], io)).toBe(0);
      expect(io.out + io.err).toBe('');
      expect(await cli(['decode', out])).toEqual(await cli(['decode', spec(file)]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('omadm convert: WBXML and terminals', () => {
  it('refuses to write WBXML to a terminal, exit 2', async () => {
    const refused = usageError('refusing to write WBXML to a terminal; use -o FILE or a pipe');
    expect(await cli(['convert', spec('11.1.1-package1.xml')], { stdoutIsTTY: true })).toEqual(refused);
    expect(await cli(['convert', '-o', '-', spec('11.1.1-package1.xml')], { stdoutIsTTY: true })).toEqual(refused);
    // Even for XML that is not a message: the command line is wrong before the input is.
    expect(await cli(['convert', '-'], { stdin: '<SyncML/>', stdoutIsTTY: true })).toEqual(refused);
  });

  it('writes WBXML to a file, and XML to the terminal', async () => {
    const wbxml = specWbxml('11.1.1-package1.xml');
    const r = await cliBytes(['convert', '-o', 'm.wbxml', spec('11.1.1-package1.xml')], { stdoutIsTTY: true });
    expect(r).toEqual({ code: 0, stdout: new Uint8Array(), stderr: '', written: { 'm.wbxml': wbxml } });
    expect(await cli(['convert', '-'], { stdin: wbxml, stdoutIsTTY: true })).toEqual(await cli(['convert', '-'], { stdin: wbxml }));
  });
});

describe('omadm convert: invalid messages, exit 1', () => {
  const xmlCases: Record<string, string> = {
    'XML without content': '<SyncML/>',
    'text that is not XML': 'hello',
    'an empty input': '',
    'XML missing a CmdID': text(readSpec('11.1.1-package1.xml')).replace('<CmdID>3</CmdID>', ''),
  };
  for (const [what, input] of Object.entries(xmlCases)) {
    it(`${what}: the XML decoder's 'path: reason (offset N)'`, async () => {
      const expected = decodeErrorLine('<stdin>', input);
      expect(await cli(['convert', '-'], { stdin: input })).toEqual({ code: 1, stdout: '', stderr: expected });
    });
  }

  const good = specWbxml('11.1.1-package1.xml');
  const wbxmlCases: Record<string, Uint8Array> = {
    'a lone version byte': new Uint8Array([0x02]),
    'truncated WBXML': good.slice(0, good.length - 3),
  };
  for (const [what, input] of Object.entries(wbxmlCases)) {
    it(`${what}: the WBXML decoder's 'path: reason (offset N)'`, async () => {
      const expected = decodeErrorLine('<stdin>', input, 'syncml', 'wbxml');
      expect(expected).toMatch(/^<stdin>: \/\S*: .+ \(offset \d+\)\n$/);
      expect(await cli(['convert', '-'], { stdin: input })).toEqual({ code: 1, stdout: '', stderr: expected });
    });
  }

  it('writes no file', async () => {
    const r = await cliBytes(['convert', '-o', 'out.xml', '-'], { stdin: wbxmlCases['truncated WBXML']! });
    expect(r.code).toBe(1);
    expect(r.written).toEqual({});
  });
});

describe('omadm convert: usage errors, exit 2', () => {
  it('missing FILE', async () => {
    expect(await cli(['convert'])).toEqual(usageError('missing FILE argument'));
  });

  it('two files', async () => {
    expect(await cli(['convert', 'a.xml', 'b.xml'])).toEqual(usageError("unexpected argument 'b.xml'"));
  });

  it('unknown option', async () => {
    expect(await cli(['convert', '--wbxml', 'a.xml'])).toEqual(usageError("unknown option '--wbxml'"));
  });

  it('an unknown --strings mode, whatever the input', async () => {
    expect(await cli(['convert', '--strings', 'none', 'a.xml'])).toEqual(usageError("option '--strings' takes auto, inline or table, not 'none'"));
  });

  it('options without their value', async () => {
    expect(await cli(['convert', 'a.xml', '-o'])).toEqual(usageError("option '-o' needs a value"));
    expect(await cli(['convert', 'a.xml', '--strings'])).toEqual(usageError("option '--strings' needs a value"));
  });

  it('a value given to a flag', async () => {
    expect(await cli(['convert', '--fpi=yes', 'a.xml'])).toEqual(usageError("option '--fpi' takes no value"));
  });

  it('a file that does not exist', async () => {
    expect(await cli(['convert', 'nope.xml'])).toEqual(usageError("cannot read 'nope.xml': no such file"));
  });

  it('an output file that cannot be written', async () => {
    const io = fakeIo();
    io.writeFile = () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(await runCli(['convert', '-o', '/ro/out.wbxml', spec('11.1.1-package1.xml')], io)).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toBe(`omadm convert: cannot write '/ro/out.wbxml': permission denied\n${CONVERT_USAGE}`);
  });
});
