/**
 * XML text suite: decodeXml of one message holding a large text (an Item's Data), in the
 * forms whose decoding does more than slice the input: line ends to normalize (lone CR,
 * CR LF dense and sparse), the same with non-ASCII text (the UTF-16 path), and references.
 * Each rate is compared with the same size of plain ASCII text decoded in the same run:
 * `vsPlain` near 1 means the form costs no more per byte than text with nothing to do.
 */
import { decodeXml } from '../src/index.js';
import { rate, type Rate, type SuiteContext } from './suite.js';
import { runInterleaved, type BenchCase } from './timing.js';

/** About this many bytes of text per message. */
const TEXT_BYTES = 4_000_000;

const FORMS: Record<string, { unit: string; expected: string }> = {
  plain: { unit: 'ab', expected: 'ab' },
  'lone CR': { unit: 'a\r', expected: 'a\n' },
  'CR LF dense': { unit: 'a\r\n', expected: 'a\n' },
  'CR LF every 80': { unit: 'x'.repeat(78) + '\r\n', expected: 'x'.repeat(78) + '\n' },
  'non-ASCII plain': { unit: 'éa', expected: 'éa' },
  'non-ASCII lone CR': { unit: 'é\r', expected: 'é\n' },
  '&amp; every 6': { unit: 'a&amp;', expected: 'a&' },
  'non-ASCII &amp; every 7': { unit: 'é&amp;', expected: 'é&' },
};

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';

export interface TextFormResult {
  readonly decode: Rate;
  /** decode MB/s ÷ the plain form's MB/s. */
  readonly vsPlain: number;
  readonly xmlBytes: number;
}

export type TextSuiteResult = Record<string, TextFormResult>;

export const name = 'xmlText';

const limits = { maxTextLength: 2 * TEXT_BYTES };

export async function run(ctx: SuiteContext): Promise<TextSuiteResult> {
  const te = new TextEncoder();
  const prepared = Object.entries(FORMS).map(([form, { unit, expected }]) => {
    const n = Math.ceil(TEXT_BYTES / te.encode(unit).length);
    const bytes = te.encode(`<SyncML xmlns="SYNCML:SYNCML1.2">${HDR}<SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data><Item><Data>${unit.repeat(n)}</Data></Item></Alert><Final/></SyncBody></SyncML>`);
    const command = decodeXml(bytes, { limits }).syncBody.commands[0]!;
    const data = command.kind === 'Alert' ? command.items[0]?.data : undefined;
    if (data !== expected.repeat(n)) throw new Error(`bench/xml-text: ${form}: decoded text differs from the expected one`);
    return { form, bytes };
  });
  const cases: BenchCase[] = prepared.map(({ form, bytes }) => ({ id: form, fn: () => decodeXml(bytes, { limits }) }));
  const stats = runInterleaved(cases, { rounds: ctx.rounds, budgetMs: ctx.budgetMs, warmupMs: ctx.warmupMs, log: (line) => ctx.log(`xmlText: ${line}`) });
  const plainMb = (stats.get('plain')!.opsPerSec * prepared[0]!.bytes.length) / 1e6;
  const result: TextSuiteResult = {};
  for (const { form, bytes } of prepared) {
    const s = stats.get(form)!;
    const decode = rate(s.opsPerSec, bytes.length, Math.max(...s.rounds), Math.round(s.spreadPct * 10) / 10);
    result[form] = { decode, vsPlain: Math.round((decode.mbPerSec / plainMb) * 1000) / 1000, xmlBytes: bytes.length };
  }
  return result;
}

export function format(result: TextSuiteResult): string {
  const lines = ['XML text decoding (one message, ~4 MB of text in an Item Data); vsPlain = MB/s ÷ plain ASCII MB/s', ''];
  lines.push(`  ${'form'.padEnd(22)}${'MB/s'.padStart(10)}${'vsPlain'.padStart(10)}${'spread'.padStart(9)}`);
  for (const [form, r] of Object.entries(result)) {
    lines.push(`  ${form.padEnd(22)}${r.decode.mbPerSec.toFixed(0).padStart(10)}${r.vsPlain.toFixed(2).padStart(10)}${(r.decode.spreadPct.toFixed(0) + '%').padStart(9)}`);
  }
  return lines.join('\n');
}
