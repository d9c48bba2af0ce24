import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeXml, encodeXmlString, parseMessage, type WbxmlEncodeOptions } from '../../src/index.js';
import { cli, decodeErrorLine, fakeIo, readSpec, spec, specFixtures, specWbxml } from './helpers.js';
import { runCli } from '../../src/cli/cli.js';

const DECODE_USAGE = "Usage: omadm decode [options] FILE|-\nRun 'omadm help decode' for details.\n";
const usageError = (message: string) => ({ code: 2, stdout: '', stderr: `omadm decode: ${message}\n${DECODE_USAGE}` });

describe('omadm decode: every spec example', () => {
  it('has fixtures', () => {
    expect(specFixtures.length).toBeGreaterThanOrEqual(30);
  });

  for (const file of specFixtures) {
    it(file, async () => {
      const r = await cli(['decode', spec(file)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // Exactly the message value, 2-space JSON and one newline.
      const value = decodeXml(readSpec(file));
      expect(r.stdout).toBe(JSON.stringify(value, null, 2) + '\n');

      // The printed JSON is a message parseMessage accepts, already canonical ...
      const json: unknown = JSON.parse(r.stdout);
      const parsed = parseMessage(json);
      expect(JSON.stringify(parsed, null, 2) + '\n').toBe(r.stdout);
      // ... and its XML decodes to the same value again.
      const again = decodeXml(encodeXmlString(parsed));
      expect(again).toEqual(value);
      expect(JSON.stringify(again, null, 2) + '\n').toBe(r.stdout);
    });
  }
});

describe('omadm decode: one message, one JSON text', () => {
  // The same message, written three ways: layout, Meta child order, quotes, declaration,
  // comments, CDATA against entity and character references.
  const compact =
    `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>` +
    `<SessionID>7</SessionID><MsgID>1</MsgID><Target><LocURI>IMEI:1</LocURI></Target>` +
    `<Source><LocURI>http://srv</LocURI></Source>` +
    `<Meta><MaxMsgSize xmlns="syncml:metinf">5000</MaxMsgSize><MaxObjSize xmlns="syncml:metinf">9000</MaxObjSize></Meta>` +
    `</SyncHdr><SyncBody><Replace><CmdID>1</CmdID><Item><Target><LocURI>./a/b</LocURI></Target>` +
    `<Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>` +
    `<Data>1 &lt; 2 &amp;&amp; "x" &gt; 'y'</Data></Item></Replace><Final/></SyncBody></SyncML>`;

  const indented = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment before the root -->
<SyncML xmlns='SYNCML:SYNCML1.2'>
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>7</SessionID>
    <MsgID>1</MsgID>
    <Target>
      <LocURI>IMEI:1</LocURI>
    </Target>
    <Source>
      <LocURI>http://srv</LocURI>
    </Source>
    <Meta>
      <MaxObjSize xmlns='syncml:metinf'>9000</MaxObjSize>
      <MaxMsgSize xmlns='syncml:metinf'>5000</MaxMsgSize>
    </Meta>
  </SyncHdr>
  <SyncBody>
    <!-- the one command -->
    <Replace>
      <CmdID>1</CmdID>
      <Item>
        <Target><LocURI>./a/b</LocURI></Target>
        <Meta>
          <Type xmlns='syncml:metinf'>text/plain</Type>
          <Format xmlns='syncml:metinf'>chr</Format>
        </Meta>
        <Data><![CDATA[1 < 2 && "x" > 'y']]></Data>
      </Item>
    </Replace>
    <Final/>
  </SyncBody>
</SyncML>
`;

  const tabbed = indented
    .replace(/^ +/gm, (m) => '\t'.repeat(m.length / 2))
    .replace('<![CDATA[1 < 2 && "x" > \'y\']]>', '&#49; &lt; 2 <![CDATA[&&]]> &quot;x&quot; &#x3E; &apos;y&apos;')
    .replace(/\n/g, '\r\n');

  it('prints byte-identical JSON for every spelling', async () => {
    const outputs: string[] = [];
    for (const text of [compact, indented, tabbed]) {
      const r = await cli(['decode', '-'], { stdin: text });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      outputs.push(r.stdout);
    }
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[2]).toBe(outputs[0]);
    expect(outputs[0]).toBe(`{
  "syncHdr": {
    "verDTD": "1.2",
    "verProto": "DM/1.2",
    "sessionID": "7",
    "msgID": "1",
    "target": {
      "locURI": "IMEI:1"
    },
    "source": {
      "locURI": "http://srv"
    },
    "meta": {
      "maxMsgSize": "5000",
      "maxObjSize": "9000",
      "emis": []
    }
  },
  "syncBody": {
    "commands": [
      {
        "kind": "Replace",
        "cmdID": "1",
        "items": [
          {
            "target": {
              "locURI": "./a/b"
            },
            "meta": {
              "format": "chr",
              "type": "text/plain",
              "emis": []
            },
            "data": "1 < 2 && \\"x\\" > 'y'"
          }
        ]
      }
    ],
    "final": true
  }
}
`);
  });

  it('prints the same bytes for a file and for stdin', async () => {
    const file = '11.1.2-package2.xml';
    const fromFile = await cli(['decode', spec(file)]);
    const fromStdin = await cli(['decode', '-'], { stdin: readSpec(file) });
    expect(fromStdin).toEqual(fromFile);
  });
});

/** Every way the library writes WBXML: string table modes and public id forms. */
const WBXML_VARIANTS: WbxmlEncodeOptions[] = (['auto', 'inline', 'table'] as const).flatMap((strings) =>
  (['id', 'fpi'] as const).map((publicId) => ({ strings, publicId })),
);

describe('omadm decode: WBXML prints exactly the JSON of its XML twin', () => {
  for (const file of specFixtures) {
    it(file, async () => {
      const fromXml = await cli(['decode', spec(file)]);
      expect(fromXml.code).toBe(0);
      for (const options of WBXML_VARIANTS) {
        const wbxml = specWbxml(file, options);
        expect(wbxml[0]).toBe(0x03);
        expect(await cli(['decode', '-'], { stdin: wbxml })).toEqual(fromXml);
        expect(await cli(['decode', 'm.wbxml'], { files: { 'm.wbxml': wbxml } })).toEqual(fromXml);
      }
    });
  }

  it('tells WBXML by the version byte, 0x01 to 0x03, whatever the file is called', async () => {
    const file = '11.1.2-package2.xml';
    const fromXml = await cli(['decode', spec(file)]);
    for (const version of [0x01, 0x02, 0x03]) {
      const wbxml = specWbxml(file);
      wbxml[0] = version;
      expect(await cli(['decode', 'looks-like.xml'], { files: { 'looks-like.xml': wbxml } })).toEqual(fromXml);
    }
    // And XML is XML in a file named .wbxml, with a byte order mark or leading whitespace too.
    const xml = new TextDecoder().decode(readSpec(file));
    for (const text of [xml, '\uFEFF' + xml, '\n\t ' + xml]) {
      expect(await cli(['decode', 'm.wbxml'], { files: { 'm.wbxml': text } })).toEqual(fromXml);
    }
  });
});

describe('omadm decode: invalid WBXML, exit 1', () => {
  const good = specWbxml('11.1.1-package1.xml', { strings: 'inline' });
  /** A control character, which no message may hold, in place of the first byte of a string. */
  const withControl = new Uint8Array(good);
  withControl[Buffer.from(good).indexOf('IMEI:')] = 0x01;
  const cases: Record<string, Uint8Array> = {
    'a lone version byte': new Uint8Array([0x03]),
    'a header without a body': new Uint8Array([0x03, 0x01, 0x6a, 0x00]),
    'a truncated message': good.slice(0, good.length >> 1),
    'a message with bytes after its end': new Uint8Array([...good, 0x01]),
    'a control character in a string': withControl,
  };
  for (const [what, bytes] of Object.entries(cases)) {
    it(`reports 'path: reason (offset N)' for ${what}`, async () => {
      const expected = decodeErrorLine('<stdin>', bytes, 'syncml', 'wbxml');
      expect(expected).toMatch(/^<stdin>: \/\S*: .+ \(offset \d+\)\n$/);
      expect(await cli(['decode', '-'], { stdin: bytes })).toEqual({ code: 1, stdout: '', stderr: expected });
      expect(await cli(['decode', 'in.wbxml'], { files: { 'in.wbxml': bytes } })).toEqual({
        code: 1,
        stdout: '',
        stderr: decodeErrorLine('in.wbxml', bytes, 'syncml', 'wbxml'),
      });
    });
  }

  it('names the element path of a problem deep inside', async () => {
    const r = await cli(['decode', '-'], { stdin: withControl });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^<stdin>: \/SyncML\/SyncHdr\/Source\/LocURI: .*U\+0001.* \(offset \d+\)\n$/);
  });

  it('a first byte outside 0x01..0x03 is read as XML, and refused as XML', async () => {
    for (const first of [0x00, 0x04, 0x7f]) {
      const bytes = new Uint8Array(good);
      bytes[0] = first;
      const expected = decodeErrorLine('<stdin>', bytes, 'syncml', 'xml');
      expect(await cli(['decode', '-'], { stdin: bytes })).toEqual({ code: 1, stdout: '', stderr: expected });
    }
  });
});

describe('omadm decode: invalid messages, exit 1', () => {
  const cases: Record<string, string> = {
    'a root without content': '<SyncML/>',
    'a wrong root': '<Foo xmlns="SYNCML:SYNCML1.2"/>',
    'text that is not XML': 'hello',
    'an empty input': '',
    'a command without CmdID': new TextDecoder().decode(readSpec('11.1.1-package1.xml')).replace('<CmdID>3</CmdID>', ''),
    'an unclosed element': '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr>',
  };
  for (const [what, text] of Object.entries(cases)) {
    it(`reports 'path: reason (offset N)' for ${what}`, async () => {
      const expected = decodeErrorLine('<stdin>', text);
      expect(expected).toMatch(/^<stdin>: \/\S*: .+ \(offset \d+\)\n$/);
      expect(await cli(['decode', '-'], { stdin: text })).toEqual({ code: 1, stdout: '', stderr: expected });
      expect(await cli(['decode', 'in.xml'], { files: { 'in.xml': text } })).toEqual({ code: 1, stdout: '', stderr: decodeErrorLine('in.xml', text) });
    });
  }

  it('names the element path of a problem deep inside', async () => {
    const r = await cli(['decode', '-'], { stdin: cases['a command without CmdID']! });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^<stdin>: \/SyncML\/SyncBody\/Replace\[1\]: .*CmdID.* \(offset \d+\)\n$/);
  });
});

describe('omadm decode: usage errors, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omadm-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('missing FILE', async () => {
    expect(await cli(['decode'])).toEqual(usageError('missing FILE argument'));
  });

  it('two files', async () => {
    expect(await cli(['decode', 'a.xml', 'b.xml'])).toEqual(usageError("unexpected argument 'b.xml'"));
  });

  it('unknown option, long and short', async () => {
    expect(await cli(['decode', '--pretty', spec('11.1.1-package1.xml')])).toEqual(usageError("unknown option '--pretty'"));
    expect(await cli(['decode', '-x', spec('11.1.1-package1.xml')])).toEqual(usageError("unknown option '-x'"));
  });

  it('a value given to a flag', async () => {
    expect(await cli(['decode', '--help=yes'])).toEqual(usageError("option '--help' takes no value"));
  });

  it('a file that does not exist', async () => {
    const missing = join(dir, 'missing.xml');
    expect(await cli(['decode', missing])).toEqual(usageError(`cannot read '${missing}': no such file`));
  });

  it('a directory', async () => {
    expect(await cli(['decode', dir])).toEqual(usageError(`cannot read '${dir}': is a directory`));
  });

  it.skipIf(process.getuid?.() === 0)('a file without read permission', async () => {
    const locked = join(dir, 'locked.xml');
    writeFileSync(locked, '<SyncML/>');
    chmodSync(locked, 0o000);
    expect(await cli(['decode', locked])).toEqual(usageError(`cannot read '${locked}': permission denied`));
  });

  it('permission denied, as the file system reports it', async () => {
    const io = fakeIo();
    io.readFile = () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    expect(await runCli(['decode', 'secret.xml'], io)).toBe(2);
    expect(io.err).toBe(`omadm decode: cannot read 'secret.xml': permission denied\n${DECODE_USAGE}`);
  });

  it('a file name after -- may start with a dash', async () => {
    const xml = readSpec('11.1.1-package1.xml');
    expect(await cli(['decode', '--', '-odd.xml'], { files: { '-odd.xml': xml } })).toEqual(await cli(['decode', spec('11.1.1-package1.xml')]));
  });
});
