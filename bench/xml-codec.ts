/**
 * XML codec suite: our strict decoder and encoder against JSON and fast-xml-parser on the
 * same content.
 *
 * For every shape of bench/messages.ts:
 *  - decode:        decodeXml(xmlBytes)                                  (typed, validating)
 *  - encode:        encodeXml(message)                                   (to UTF-8 bytes)
 *  - jsonParse:     JSON.parse(new TextDecoder().decode(jsonBytes))      (jsonBytes = JSON of the typed message)
 *  - jsonStringify: new TextEncoder().encode(JSON.stringify(message))
 *  - fastXmlParser: new XMLParser({ preserveOrder: false }).parse(xmlBytes)  (untyped tree, no validation)
 * Ratios compare messages per second.
 */
import { isDeepStrictEqual } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { decodeXml, encodeXml, type SyncML } from '../src/index.js';
import { benchShapes } from './messages.js';
import { rate, type BenchSuite, type Rate, type SuiteContext } from './suite.js';
import { runInterleaved, type BenchCase } from './timing.js';

export interface XmlRatios {
  /** ours decode msg/s ÷ JSON.parse msg/s. */
  readonly decodeVsJsonParse: number;
  /** ours decode msg/s ÷ fast-xml-parser msg/s. */
  readonly decodeVsFastXmlParser: number;
  /** ours encode msg/s ÷ JSON.stringify msg/s. */
  readonly encodeVsJsonStringify: number;
}

export interface XmlShapeResult {
  readonly decode: Rate;
  readonly encode: Rate;
  readonly jsonParse: Rate;
  readonly jsonStringify: Rate;
  readonly fastXmlParser: Rate;
  readonly ratios: XmlRatios;
  /** Size of the encoded XML (what decode, encode and fastXmlParser move). */
  readonly xmlBytes: number;
  /** Size of JSON.stringify(message) in UTF-8 (what jsonParse and jsonStringify move). */
  readonly jsonBytes: number;
}

export type XmlSuiteResult = Record<string, XmlShapeResult>;

/** Targets the ratios should reach. */
export const XML_GOALS: XmlRatios = {
  decodeVsJsonParse: 1.0,
  decodeVsFastXmlParser: 3.0,
  encodeVsJsonStringify: 1.0,
};

const CASES = ['decode', 'encode', 'jsonParse', 'jsonStringify', 'fastXmlParser'] as const;
type CaseName = (typeof CASES)[number];

const CASE_LABELS: Record<CaseName, string> = {
  decode: 'ours decodeXml(bytes)',
  encode: 'ours encodeXml(message)',
  jsonParse: 'JSON.parse(TextDecoder)',
  jsonStringify: 'JSON.stringify+TextEncoder',
  fastXmlParser: 'fast-xml-parser parse(bytes)',
};

interface Prepared {
  readonly id: string;
  readonly description: string;
  readonly message: SyncML;
  readonly xmlBytes: Uint8Array;
  readonly jsonBytes: Uint8Array;
}

function fail(shape: string, what: string): never {
  throw new Error(`bench/xml-codec: shape "${shape}": ${what}`);
}

/** Builds the inputs and checks that every codec reads back what it should, before any timing. */
function prepare(parser: XMLParser): Prepared[] {
  const te = new TextEncoder();
  const td = new TextDecoder();
  return benchShapes().map(({ id, description, message }) => {
    const xmlBytes = encodeXml(message);
    const decoded = decodeXml(xmlBytes);
    if (!isDeepStrictEqual(decoded, message)) {
      fail(id, 'decodeXml(encodeXml(m)) is not deep-equal to m');
    }
    if (!isDeepStrictEqual(encodeXml(decoded), xmlBytes)) {
      fail(id, 'encodeXml(decodeXml(bytes)) does not give the same bytes back');
    }
    const jsonBytes = te.encode(JSON.stringify(message));
    if (!isDeepStrictEqual(JSON.parse(td.decode(jsonBytes)), message)) {
      fail(id, 'JSON.parse(JSON.stringify(m)) is not deep-equal to m (the JSON baseline would not be equivalent)');
    }
    const tree = parser.parse(xmlBytes) as { SyncML?: { SyncBody?: unknown } };
    if (typeof tree?.SyncML?.SyncBody !== 'object' || tree.SyncML.SyncBody === null) {
      fail(id, 'fast-xml-parser did not produce a SyncML/SyncBody tree');
    }
    return { id, description, message, xmlBytes, jsonBytes };
  });
}

function casesOf(p: Prepared, parser: XMLParser): Record<CaseName, () => unknown> {
  const { message, xmlBytes, jsonBytes } = p;
  const te = new TextEncoder();
  const td = new TextDecoder();
  return {
    decode: () => decodeXml(xmlBytes),
    encode: () => encodeXml(message),
    jsonParse: () => JSON.parse(td.decode(jsonBytes)),
    jsonStringify: () => te.encode(JSON.stringify(message)),
    fastXmlParser: () => parser.parse(xmlBytes),
  };
}

async function run(ctx: SuiteContext): Promise<XmlSuiteResult> {
  // preserveOrder: false is the default; spelled out as the brief names it.
  const parser = new XMLParser({ preserveOrder: false });
  const prepared = prepare(parser);
  for (const p of prepared) {
    ctx.log(`xml: ${p.id}: ${p.xmlBytes.length} B XML, ${p.jsonBytes.length} B JSON, round trip verified`);
  }

  const cases: BenchCase[] = [];
  for (const p of prepared) {
    const fns = casesOf(p, parser);
    for (const name of CASES) cases.push({ id: `${p.id}/${name}`, fn: fns[name] });
  }
  const stats = runInterleaved(cases, {
    rounds: ctx.rounds,
    budgetMs: ctx.budgetMs,
    warmupMs: ctx.warmupMs,
    log: (line) => ctx.log(`xml: ${line}`),
  });

  const result: XmlSuiteResult = {};
  for (const p of prepared) {
    const get = (name: CaseName, bytes: number): Rate => {
      const s = stats.get(`${p.id}/${name}`)!;
      return rate(s.opsPerSec, bytes, Math.max(...s.rounds), round(s.spreadPct, 1));
    };
    const x = p.xmlBytes.length;
    const j = p.jsonBytes.length;
    const decode = get('decode', x);
    const encode = get('encode', x);
    const jsonParse = get('jsonParse', j);
    const jsonStringify = get('jsonStringify', j);
    const fastXmlParser = get('fastXmlParser', x);
    result[p.id] = {
      decode: roundRate(decode),
      encode: roundRate(encode),
      jsonParse: roundRate(jsonParse),
      jsonStringify: roundRate(jsonStringify),
      fastXmlParser: roundRate(fastXmlParser),
      ratios: {
        decodeVsJsonParse: round(decode.msgPerSec / jsonParse.msgPerSec, 3),
        decodeVsFastXmlParser: round(decode.msgPerSec / fastXmlParser.msgPerSec, 3),
        encodeVsJsonStringify: round(encode.msgPerSec / jsonStringify.msgPerSec, 3),
      },
      xmlBytes: x,
      jsonBytes: j,
    };
  }
  return result;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function roundRate(r: Rate): Rate {
  const ops = (v: number): number => round(v, v < 100 ? 2 : 0);
  return { msgPerSec: ops(r.msgPerSec), mbPerSec: round(r.mbPerSec, 2), bestMsgPerSec: ops(r.bestMsgPerSec), spreadPct: r.spreadPct };
}

// ------------------------------------------------------------------ table

const fmtInt = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));

function verdict(name: keyof XmlRatios, v: number): string {
  return v >= XML_GOALS[name] ? 'ok' : 'BELOW GOAL';
}

function format(result: XmlSuiteResult): string {
  const lines: string[] = [];
  const shapes = benchShapeDescriptions();
  lines.push('XML codec: msg/s and MB/s are medians over the rounds, best = fastest round, spread = (max-min)/median.');
  lines.push('MB = 10^6 bytes of what each case reads or writes: the XML for ours and fast-xml-parser,');
  lines.push('the JSON of the typed message for the JSON baselines.');
  for (const [id, r] of Object.entries(result)) {
    lines.push('');
    lines.push(`${id}: ${shapes.get(id) ?? ''}`);
    lines.push(`  XML ${r.xmlBytes.toLocaleString('en-US')} B, JSON ${r.jsonBytes.toLocaleString('en-US')} B`);
    lines.push(`  ${'case'.padEnd(30)}${'msg/s'.padStart(12)}${'MB/s'.padStart(10)}${'best msg/s'.padStart(13)}${'spread'.padStart(9)}`);
    for (const name of CASES) {
      const c = r[name];
      lines.push(
        `  ${CASE_LABELS[name].padEnd(30)}${fmtInt(c.msgPerSec).padStart(12)}${c.mbPerSec.toFixed(1).padStart(10)}${fmtInt(c.bestMsgPerSec).padStart(13)}${(c.spreadPct.toFixed(1) + '%').padStart(9)}`,
      );
    }
  }
  lines.push('');
  lines.push('Ratios of median msg/s:');
  lines.push(
    `  ${'shape'.padEnd(12)}${'decode/JSON.parse'.padStart(20)}${'decode/fast-xml-parser'.padStart(25)}${'encode/JSON.stringify'.padStart(24)}`,
  );
  lines.push(
    `  ${'goal'.padEnd(12)}${('>= ' + XML_GOALS.decodeVsJsonParse.toFixed(1)).padStart(20)}${('>= ' + XML_GOALS.decodeVsFastXmlParser.toFixed(1)).padStart(25)}${('>= ' + XML_GOALS.encodeVsJsonStringify.toFixed(1)).padStart(24)}`,
  );
  for (const [id, r] of Object.entries(result)) {
    const cell = (name: keyof XmlRatios, width: number): string =>
      `${r.ratios[name].toFixed(2)} ${verdict(name, r.ratios[name])}`.padStart(width);
    lines.push(
      `  ${id.padEnd(12)}${cell('decodeVsJsonParse', 20)}${cell('decodeVsFastXmlParser', 25)}${cell('encodeVsJsonStringify', 24)}`,
    );
  }
  return lines.join('\n');
}

function benchShapeDescriptions(): Map<string, string> {
  // Descriptions only; building the shapes again is cheap next to the timing.
  return new Map(benchShapes().map((s) => [s.id, s.description]));
}

/** Key of this suite in the `--json` output. */
export const name = 'xml';
export { run, format };

// The module itself is the suite (bench/main.ts registers `import * as ...`); this checks its shape.
const _suite: BenchSuite<XmlSuiteResult> = { name, run, format };
void _suite;
