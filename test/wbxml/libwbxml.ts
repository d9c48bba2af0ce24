/**
 * Debian's libwbxml command-line tools (package libwbxml2-utils), the independent WBXML
 * implementation the codec is checked against: `xml2wbxml` (XML to WBXML) and `wbxml2xml`
 * (WBXML to XML). Each call runs the tool on temporary files under os.tmpdir().
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The tools, for describeWithTools (test/helpers/tools.ts): skipped locally where missing, failing in CI. */
export const LIBWBXML_TOOLS = ['xml2wbxml', 'wbxml2xml'] as const;

export class Libwbxml {
  private readonly dir = mkdtempSync(join(tmpdir(), 'omadm-libwbxml-'));
  private n = 0;

  /**
   * WBXML of an XML document. Flags: `-n` no string table, `-k` keep whitespace (without
   * it libwbxml trims the leading and trailing whitespace of every text).
   */
  xml2wbxml(xml: string | Uint8Array, flags: readonly string[] = []): Uint8Array {
    const id = this.n++;
    const input = join(this.dir, `in${id}.xml`);
    const output = join(this.dir, `out${id}.wbxml`);
    writeFileSync(input, xml);
    this.run('xml2wbxml', [...flags, '-o', output, input]);
    return new Uint8Array(readFileSync(output));
  }

  /** Compact XML (`-m 0`) of a WBXML document, as bytes. `-k`: keep whitespace, as above. */
  wbxml2xml(wbxml: Uint8Array | string, flags: readonly string[] = []): Uint8Array {
    const id = this.n++;
    let input: string;
    if (typeof wbxml === 'string') input = wbxml;
    else {
      input = join(this.dir, `in${id}.wbxml`);
      writeFileSync(input, wbxml);
    }
    const output = join(this.dir, `out${id}.xml`);
    this.run('wbxml2xml', [...flags, '-m', '0', '-o', output, input]);
    return new Uint8Array(readFileSync(output));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
    if (r.error) throw r.error;
    // The tools print "... succeeded" on success; anything else is the failure.
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${r.status}: ${r.stdout}${r.stderr}`);
  }
}
