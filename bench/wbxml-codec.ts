/**
 * WBXML codec suite: our WBXML decoder and encoder, beside our XML codec on the same
 * messages, and beside libwbxml (C) on the same WBXML bytes.
 *
 * For every shape of bench/messages.ts:
 *  - decode:     decodeWbxml(wbxmlBytes)                  (typed, validating)
 *  - encode:     encodeWbxml(message)                     (strings: 'auto', publicId: 'id', the defaults)
 *  - xmlDecode:  decodeXml(xmlBytes)
 *  - xmlEncode:  encodeXml(message)
 * all in one interleaved run (bench/timing.ts). Then, where gcc, pkg-config and
 * libwbxml2-dev are present, bench/c/libwbxml-bench.c is compiled into a temporary
 * directory and times, in its own process, on our encoder's output written to a file:
 *  - libwbxml decode: wbxml_tree_from_wbxml(bytes) + wbxml_tree_destroy
 *  - libwbxml encode: wbxml_tree_to_wbxml(tree) + wbxml_free (WBXML 1.3, string table on)
 * Without them the libwbxml part is `{ "skipped": "<reason>" }` and the rest still runs.
 *
 * MB/s are of the WBXML bytes each case reads or writes (libwbxml encode: its own output),
 * of the XML bytes for the XML cases. Ratios compare messages per second.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml, wbxmlSize, type SyncML } from '../src/index.js';
import { benchShapes } from './messages.js';
import { rate, type BenchSuite, type Rate, type SuiteContext } from './suite.js';
import { runInterleaved, type BenchCase } from './timing.js';

export interface WbxmlRatios {
  /** ours decodeWbxml msg/s ÷ ours decodeXml msg/s (same message). */
  readonly decodeVsXmlDecode: number;
  /** ours encodeWbxml msg/s ÷ ours encodeXml msg/s. */
  readonly encodeVsXmlEncode: number;
  /** ours decodeWbxml msg/s ÷ libwbxml decode msg/s (same bytes); null without libwbxml. */
  readonly decodeVsLibwbxml: number | null;
  /** ours encodeWbxml msg/s ÷ libwbxml encode msg/s; null without libwbxml. */
  readonly encodeVsLibwbxml: number | null;
}

export interface WbxmlShapeResult {
  readonly decode: Rate;
  readonly encode: Rate;
  readonly xmlDecode: Rate;
  readonly xmlEncode: Rate;
  readonly ratios: WbxmlRatios;
  /** Size of our WBXML encoding (what decode and encode move, and what libwbxml reads). */
  readonly wbxmlBytes: number;
  /** Size of our XML encoding of the same message. */
  readonly xmlBytes: number;
}

/** One libwbxml case: its rate, or why it has none. */
export type LibwbxmlCase = (Rate & { readonly bytes: number }) | { readonly error: string; readonly singleOpMs?: number };

export interface LibwbxmlShapeResult {
  readonly decode: LibwbxmlCase;
  readonly encode: LibwbxmlCase;
  /**
   * Cross-check of what libwbxml read: its re-encoding of the parsed tree, decoded with
   * decodeWbxml, is deep-equal to the message (`true`), or the reason it is not.
   */
  readonly reencodingDecodesToMessage: true | string;
}

export type LibwbxmlResult =
  | { readonly skipped: string }
  | {
      readonly library: string;
      readonly version: string;
      readonly harness: string;
      /** How the harness was built (the flags pkg-config gave). */
      readonly build: string;
      readonly decode: string;
      readonly encode: string;
      readonly clock: string;
      readonly shapes: Record<string, LibwbxmlShapeResult>;
    };

export interface WbxmlSuiteResult {
  /** Options of encodeWbxml that produced the measured bytes. */
  readonly options: { readonly strings: 'auto'; readonly publicId: 'id' };
  readonly shapes: Record<string, WbxmlShapeResult>;
  readonly libwbxml: LibwbxmlResult;
}

/** Targets the ratios should reach (decodeVsLibwbxml: on the shapes of LIBWBXML_GOAL_SHAPES). */
export const WBXML_GOALS = {
  decodeVsXmlDecode: 2.0,
  decodeVsLibwbxml: 1.0,
} as const;
export const LIBWBXML_GOAL_SHAPES: readonly string[] = ['package1', 'package2'];

const CASES = ['decode', 'encode', 'xmlDecode', 'xmlEncode'] as const;
type CaseName = (typeof CASES)[number];

const CASE_LABELS: Record<CaseName, string> = {
  decode: 'ours decodeWbxml(bytes)',
  encode: 'ours encodeWbxml(message)',
  xmlDecode: 'ours decodeXml(bytes)',
  xmlEncode: 'ours encodeXml(message)',
};

const HARNESS_SOURCE = fileURLToPath(new URL('./c/libwbxml-bench.c', import.meta.url));
const HARNESS_NAME = 'bench/c/libwbxml-bench.c';
/** A libwbxml case whose single operation takes longer than this is reported, not timed. */
const LIBWBXML_MAX_OP_MS = 2000;
/**
 * Warm-up of each libwbxml case, at most: native code has no JIT to settle, only caches and
 * the allocator, and the shorter warm-up keeps the whole bench run under about 2 minutes.
 */
const LIBWBXML_MAX_WARMUP_MS = 250;

interface Prepared {
  readonly id: string;
  readonly description: string;
  readonly message: SyncML;
  readonly wbxmlBytes: Uint8Array;
  readonly xmlBytes: Uint8Array;
}

function fail(shape: string, what: string): never {
  throw new Error(`bench/wbxml-codec: shape "${shape}": ${what}`);
}

/** Builds the inputs and checks that both codecs read back what they wrote, before any timing. */
function prepare(): Prepared[] {
  return benchShapes().map(({ id, description, message }) => {
    const wbxmlBytes = encodeWbxml(message);
    if (wbxmlSize(message) !== wbxmlBytes.length) fail(id, 'wbxmlSize(m) differs from encodeWbxml(m).length');
    const decoded = decodeWbxml(wbxmlBytes);
    if (!isDeepStrictEqual(decoded, message)) fail(id, 'decodeWbxml(encodeWbxml(m)) is not deep-equal to m');
    if (!isDeepStrictEqual(encodeWbxml(decoded), wbxmlBytes)) {
      fail(id, 'encodeWbxml(decodeWbxml(bytes)) does not give the same bytes back');
    }
    const xmlBytes = encodeXml(message);
    if (!isDeepStrictEqual(decodeXml(xmlBytes), message)) fail(id, 'decodeXml(encodeXml(m)) is not deep-equal to m');
    return { id, description, message, wbxmlBytes, xmlBytes };
  });
}

function casesOf(p: Prepared): Record<CaseName, () => unknown> {
  const { message, wbxmlBytes, xmlBytes } = p;
  return {
    decode: () => decodeWbxml(wbxmlBytes),
    encode: () => encodeWbxml(message),
    xmlDecode: () => decodeXml(xmlBytes),
    xmlEncode: () => encodeXml(message),
  };
}

// ------------------------------------------------------------------ libwbxml harness

/** What the C harness prints (one case per input and operation). */
interface HarnessOutput {
  library: string;
  version: string;
  clock: string;
  cases: {
    input: string;
    op: 'decode' | 'encode';
    bytes: number;
    ok: boolean;
    error?: string;
    singleOpMs?: number;
    opsPerSec?: number;
    bestOpsPerSec?: number;
    spreadPct?: number;
  }[];
}

/** Runs a tool to completion; returns its output, or undefined when it cannot be started. */
function tool(cmd: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function firstLines(text: string, n: number): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}

/** Compiles the harness into `dir`; returns the binary and the build line, or why it could not. */
function buildHarness(dir: string): { bin: string; build: string } | { skipped: string } {
  if (!tool('gcc', ['--version'])) return { skipped: 'gcc not found (install gcc to compare with libwbxml)' };
  if (!tool('pkg-config', ['--version'])) return { skipped: 'pkg-config not found (install pkg-config and libwbxml2-dev)' };
  // Debian's libwbxml2-dev names it libwbxml2; look at what pkg-config lists rather than guess further.
  const listed = tool('pkg-config', ['--list-all'])?.stdout ?? '';
  const candidates = ['libwbxml2', ...listed.split('\n').map((l) => l.split(/\s/)[0] ?? '').filter((n) => /wbxml/i.test(n))];
  const pkg = candidates.find((n) => tool('pkg-config', ['--exists', n])?.status === 0);
  if (pkg === undefined) return { skipped: 'pkg-config knows no libwbxml2 (install libwbxml2-dev)' };
  const flags = tool('pkg-config', ['--cflags', '--libs', pkg]);
  if (!flags || flags.status !== 0) return { skipped: `pkg-config --cflags --libs ${pkg} failed: ${firstLines(flags?.stderr ?? '', 2)}` };
  const flagList = flags.stdout.trim().split(/\s+/).filter(Boolean);
  const bin = join(dir, 'libwbxml-bench');
  const args = ['-O2', '-std=c11', '-Wall', '-o', bin, HARNESS_SOURCE, ...flagList];
  const cc = tool('gcc', args);
  if (!cc || cc.status !== 0) {
    const error = (cc?.stderr ?? '').split('\n').find((l) => /error/i.test(l)) ?? firstLines(cc?.stderr ?? '', 3);
    return {
      skipped: `gcc could not build ${HARNESS_NAME} against ${pkg} (headers of libwbxml2-dev missing?): ${error.replace(HARNESS_SOURCE, HARNESS_NAME).trim()}`,
    };
  }
  return { bin, build: `gcc -O2 -std=c11 -Wall ${HARNESS_NAME} $(pkg-config --cflags --libs ${pkg}) = ${flagList.join(' ')}` };
}

/** Runs the harness, forwarding its progress lines; resolves to its stdout. */
function runHarness(bin: string, args: readonly string[], timeoutMs: number, log: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line.replace(/^\[libwbxml-bench\] /, ''));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${HARNESS_NAME} exited with ${signal ?? code}: ${firstLines(stderr, 3)}`));
    });
  });
}

async function runLibwbxml(prepared: readonly Prepared[], ctx: SuiteContext): Promise<LibwbxmlResult> {
  const log = (line: string): void => ctx.log(`wbxml: libwbxml: ${line}`);
  const dir = mkdtempSync(join(tmpdir(), 'omadm-bench-libwbxml-'));
  try {
    const built = buildHarness(dir);
    if ('skipped' in built) {
      log(`skipped: ${built.skipped}`);
      return built;
    }
    const inputs = prepared.map((p) => {
      const file = join(dir, `${p.id}.wbxml`);
      writeFileSync(file, p.wbxmlBytes);
      return `${p.id}=${file}`;
    });
    const args = [
      `--rounds=${ctx.rounds}`,
      `--budget-ms=${Math.round(ctx.budgetMs)}`,
      `--warmup-ms=${Math.max(1, Math.round(Math.min(ctx.warmupMs, LIBWBXML_MAX_WARMUP_MS)))}`,
      `--max-op-ms=${LIBWBXML_MAX_OP_MS}`,
      `--dump=${dir}`,
      ...inputs,
    ];
    // Each case: warm-up plus its rounds, plus at most one slow operation per batch; generous margin.
    const cases = prepared.length * 2;
    const timeoutMs = cases * (ctx.warmupMs + ctx.rounds * ctx.budgetMs) * 3 + 60_000;
    let out: HarnessOutput;
    try {
      out = JSON.parse(await runHarness(built.bin, args, timeoutMs, log)) as HarnessOutput;
    } catch (error) {
      const reason = `harness failed: ${error instanceof Error ? error.message : String(error)}`;
      log(reason);
      return { skipped: reason };
    }

    const shapes: Record<string, LibwbxmlShapeResult> = {};
    for (const p of prepared) {
      const pick = (op: 'decode' | 'encode'): LibwbxmlCase => {
        const c = out.cases.find((k) => k.input === p.id && k.op === op);
        if (!c) return { error: 'no result from the harness' };
        if (!c.ok || c.opsPerSec === undefined) {
          return c.singleOpMs !== undefined ? { error: c.error ?? 'failed', singleOpMs: c.singleOpMs } : { error: c.error ?? 'failed' };
        }
        return { ...roundRate(rate(c.opsPerSec, c.bytes, c.bestOpsPerSec ?? c.opsPerSec, round(c.spreadPct ?? 0, 1))), bytes: c.bytes };
      };
      shapes[p.id] = { decode: pick('decode'), encode: pick('encode'), reencodingDecodesToMessage: crossCheck(dir, p) };
    }
    return {
      library: out.library,
      version: out.version,
      harness: HARNESS_NAME,
      build: built.build,
      decode: 'wbxml_tree_from_wbxml(bytes) + wbxml_tree_destroy',
      encode: 'wbxml_tree_to_wbxml(tree) + wbxml_free (WBXML 1.3, string table on; tree parsed once outside the clock)',
      clock: out.clock,
      shapes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decodes libwbxml's re-encoding of a shape with our decoder and compares with the message. */
function crossCheck(dir: string, p: Prepared): true | string {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(join(dir, `${p.id}.libwbxml.wbxml`));
  } catch {
    return 'libwbxml produced no encoding';
  }
  try {
    return isDeepStrictEqual(decodeWbxml(bytes), p.message) ? true : 'decodes, but differs from the message';
  } catch (error) {
    return `decodeWbxml rejects it: ${error instanceof Error ? error.message : String(error)}`;
  }
}

// ------------------------------------------------------------------ run

async function run(ctx: SuiteContext): Promise<WbxmlSuiteResult> {
  const prepared = prepare();
  for (const p of prepared) {
    ctx.log(`wbxml: ${p.id}: ${p.wbxmlBytes.length} B WBXML, ${p.xmlBytes.length} B XML, round trips verified`);
  }

  const cases: BenchCase[] = [];
  for (const p of prepared) {
    const fns = casesOf(p);
    for (const name of CASES) cases.push({ id: `${p.id}/${name}`, fn: fns[name] });
  }
  const stats = runInterleaved(cases, {
    rounds: ctx.rounds,
    budgetMs: ctx.budgetMs,
    warmupMs: ctx.warmupMs,
    log: (line) => ctx.log(`wbxml: ${line}`),
  });

  // After our cases, not during them: the harness would compete for the same cores.
  const libwbxml = await runLibwbxml(prepared, ctx);

  const shapes: Record<string, WbxmlShapeResult> = {};
  for (const p of prepared) {
    const get = (name: CaseName, bytes: number): Rate => {
      const s = stats.get(`${p.id}/${name}`)!;
      return rate(s.opsPerSec, bytes, Math.max(...s.rounds), round(s.spreadPct, 1));
    };
    const w = p.wbxmlBytes.length;
    const x = p.xmlBytes.length;
    const decode = get('decode', w);
    const encode = get('encode', w);
    const xmlDecode = get('xmlDecode', x);
    const xmlEncode = get('xmlEncode', x);
    const lib = 'shapes' in libwbxml ? libwbxml.shapes[p.id] : undefined;
    const vsLib = (ours: Rate, theirs: LibwbxmlCase | undefined): number | null =>
      theirs && 'msgPerSec' in theirs && theirs.msgPerSec > 0 ? round(ours.msgPerSec / theirs.msgPerSec, 3) : null;
    shapes[p.id] = {
      decode: roundRate(decode),
      encode: roundRate(encode),
      xmlDecode: roundRate(xmlDecode),
      xmlEncode: roundRate(xmlEncode),
      ratios: {
        decodeVsXmlDecode: round(decode.msgPerSec / xmlDecode.msgPerSec, 3),
        encodeVsXmlEncode: round(encode.msgPerSec / xmlEncode.msgPerSec, 3),
        decodeVsLibwbxml: vsLib(decode, lib?.decode),
        encodeVsLibwbxml: vsLib(encode, lib?.encode),
      },
      wbxmlBytes: w,
      xmlBytes: x,
    };
  }
  return { options: { strings: 'auto', publicId: 'id' }, shapes, libwbxml };
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

function rateLine(label: string, c: Rate): string {
  return `  ${label.padEnd(30)}${fmtInt(c.msgPerSec).padStart(12)}${c.mbPerSec.toFixed(1).padStart(10)}${fmtInt(c.bestMsgPerSec).padStart(13)}${(c.spreadPct.toFixed(1) + '%').padStart(9)}`;
}

function libLine(label: string, c: LibwbxmlCase | undefined): string {
  if (c === undefined) return `  ${label.padEnd(30)}  (no result)`;
  if ('error' in c) return `  ${label.padEnd(30)}  ${c.error}`;
  return rateLine(label, c);
}

function ratioCell(v: number | null, goal: number | undefined, width: number): string {
  if (v === null) return 'n/a'.padStart(width);
  const verdict = goal === undefined ? '' : v >= goal ? ' ok' : ' BELOW GOAL';
  return `${v.toFixed(2)}${verdict}`.padStart(width);
}

function format(result: WbxmlSuiteResult): string {
  const lines: string[] = [];
  const shapes = new Map(benchShapes().map((s) => [s.id, s.description]));
  const lib = result.libwbxml;
  lines.push('WBXML codec: msg/s and MB/s are medians over the rounds, best = fastest round, spread = (max-min)/median.');
  lines.push(`MB = 10^6 bytes of what each case reads or writes: our WBXML (encodeWbxml ${JSON.stringify(result.options)}) for the`);
  lines.push('WBXML cases and libwbxml decode, libwbxml\'s own output for its encode, our XML for the XML cases.');
  if ('skipped' in lib) {
    lines.push(`libwbxml: skipped: ${lib.skipped}`);
  } else {
    lines.push(`libwbxml ${lib.version} (${lib.harness}, timed in-process with ${lib.clock}):`);
    lines.push(`  decode = ${lib.decode}`);
    lines.push(`  encode = ${lib.encode}`);
    lines.push(`  built with ${lib.build}`);
  }
  for (const [id, r] of Object.entries(result.shapes)) {
    lines.push('');
    lines.push(`${id}: ${shapes.get(id) ?? ''}`);
    lines.push(
      `  WBXML ${r.wbxmlBytes.toLocaleString('en-US')} B, XML ${r.xmlBytes.toLocaleString('en-US')} B (WBXML is ${((r.wbxmlBytes / r.xmlBytes) * 100).toFixed(0)}% of XML)`,
    );
    lines.push(`  ${'case'.padEnd(30)}${'msg/s'.padStart(12)}${'MB/s'.padStart(10)}${'best msg/s'.padStart(13)}${'spread'.padStart(9)}`);
    for (const name of CASES) lines.push(rateLine(CASE_LABELS[name], r[name]));
    if ('shapes' in lib) {
      const l = lib.shapes[id];
      lines.push(libLine('libwbxml decode (tree)', l?.decode));
      lines.push(libLine('libwbxml encode (tree)', l?.encode));
      if (l && l.reencodingDecodesToMessage !== true) lines.push(`  cross-check: libwbxml's re-encoding ${l.reencodingDecodesToMessage}`);
    }
  }
  lines.push('');
  lines.push('Ratios of median msg/s:');
  const head = (a: string, b: string, c: string, d: string): string =>
    `  ${a.padEnd(12)}${b.padStart(22)}${c.padStart(22)}${d.padStart(22)}`;
  lines.push(head('shape', 'WBXML/XML decode', 'WBXML/XML encode', 'decode/libwbxml') + 'encode/libwbxml'.padStart(20));
  lines.push(head('goal', `>= ${WBXML_GOALS.decodeVsXmlDecode.toFixed(1)}`, '-', `>= ${WBXML_GOALS.decodeVsLibwbxml.toFixed(1)} *`) + '-'.padStart(20));
  for (const [id, r] of Object.entries(result.shapes)) {
    const libGoal = LIBWBXML_GOAL_SHAPES.includes(id) ? WBXML_GOALS.decodeVsLibwbxml : undefined;
    lines.push(
      `  ${id.padEnd(12)}${ratioCell(r.ratios.decodeVsXmlDecode, WBXML_GOALS.decodeVsXmlDecode, 22)}${ratioCell(r.ratios.encodeVsXmlEncode, undefined, 22)}${ratioCell(r.ratios.decodeVsLibwbxml, libGoal, 22)}${ratioCell(r.ratios.encodeVsLibwbxml, undefined, 20)}`,
    );
  }
  lines.push(`  * decode/libwbxml goal on ${LIBWBXML_GOAL_SHAPES.join(' and ')} only; ratios without a goal are for information.`);
  return lines.join('\n');
}

/** Key of this suite in the `--json` output. */
export const name = 'wbxml';
export { run, format };

// The module itself is the suite (bench/main.ts registers `import * as ...`); this checks its shape.
const _suite: BenchSuite<WbxmlSuiteResult> = { name, run, format };
void _suite;
