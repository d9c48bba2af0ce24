/**
 * Session suite: the sans-I/O session core (src/session/) with real bytes on both ends,
 * and the cost of exact MaxMsgSize packing, for XML and for WBXML.
 *
 * 1. Server exchange. One iteration is a whole short session, as a server runs it:
 *      new ServerSession;
 *      receive(decode(Package#1))        client: Alert 1201 + Replace of the 5 DevInfo nodes of package1
 *      answer() each command (200); send() the 50 commands of the bench mix (managementCommand)
 *      reply().bytes                     Package#2: 3 Statuses + 50 commands, Final
 *      receive(decode(Package#3))        client: 51 Statuses + 10 Results, Final
 *      reply().bytes                     Package#4: the SyncHdr Status, Final; the session ends
 *    Package#1 and #3 are built once, before any timing, by a real ClientSession that read
 *    Package#2 (so every MsgRef/CmdRef matches what the server sent). Each iteration moves
 *    4 messages (2 in, 2 out): msg/s counts all four, MB/s their bytes.
 *    `codecOnly` does only the decode and encode steps of the same iteration on the same
 *    messages; codecOnly/session rate is the session's own share (its time ratio).
 *    (A session writes its messages' bytes while packing them; WBXML with inline strings
 *    only, so this suite's WBXML codec encodes that way too, and the session's bytes are
 *    checked equal to the codec's.)
 * 2. Packing. The same 50 commands, completed, measured and written by
 *    OutgoingPackage.next(), against the same messages built with MessageBuilder and
 *    encoded (no sizing). Two limits: MaxMsgSize 1 MiB (one message) and the smallest MaxMsgSize whose
 *    packing takes 5 messages. The plain side builds exactly the messages packing made
 *    (checked deep-equal before timing). pack/plain is a time ratio (goal <= 1.2).
 *
 * Everything is checked once before timing (message shapes, statuses, Final, sizes within
 * MaxMsgSize, determinism); a mismatch throws. All cases run interleaved (bench/timing.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import {
  decodeWbxml,
  decodeXml,
  encodeWbxml,
  encodeXml,
  MessageBuilder,
  StatusCode,
  type HeaderInit,
  type Item,
  type SyncBodyCommandDraft,
  type SyncML,
} from '../src/index.js';
import { ClientSession } from '../src/session/client-session.js';
import { ServerSession } from '../src/session/server-session.js';
import type { EndpointConfig, SessionEvent } from '../src/session/endpoint.js';
import type { Encoding } from '../src/session/message-size.js';
import { OutgoingPackage, type PackedMessage } from '../src/session/packing.js';
import { DEVICE_URI, managementCommands, package1, SERVER_URI } from './messages.js';
import { rate, type BenchSuite, type Rate, type SuiteContext } from './suite.js';
import { runInterleaved, type BenchCase } from './timing.js';

/** A rate whose operation is one iteration (or one packed package) of several messages. */
export type IterationRate = Rate & {
  /** Operations (session iterations, packed packages) per second; msgPerSec counts their messages. */
  readonly opsPerSec: number;
};

export interface PackingCaseResult {
  /** MaxMsgSize the packing obeyed. */
  readonly maxMsgSize: number;
  /** Messages the 50 commands took. */
  readonly messages: number;
  /** Encoded bytes of those messages, all together. */
  readonly bytes: number;
  /** Largest encoded message. */
  readonly largestMessage: number;
  /** OutgoingPackage.next() until empty (each message's bytes written while packing). */
  readonly pack: IterationRate;
  /** MessageBuilder of the same messages, each encoded. */
  readonly plain: IterationRate;
  /** Time per package, packing ÷ plain (= plain ops/s ÷ pack ops/s); goal <= PACKING_GOAL. */
  readonly packVsPlain: number;
  /** The same from the fastest rounds (least disturbed by other load on the machine). */
  readonly packVsPlainBest: number;
}

export interface SessionEncodingResult {
  /** Encoded sizes of the four messages of one iteration. */
  readonly bytes: { readonly package1: number; readonly package2: number; readonly package3: number; readonly package4: number };
  /** Full server iteration (2 messages in, 2 out). */
  readonly session: IterationRate;
  /** Only the decode and encode steps of the same iteration. */
  readonly codecOnly: IterationRate;
  /** Time per iteration, session ÷ codec only (>= 1: what the session adds on top of the codec). */
  readonly sessionVsCodec: number;
  /** The same from the fastest rounds. */
  readonly sessionVsCodecBest: number;
  /** Share of the iteration's time spent outside the codec, in percent. */
  readonly sessionSharePct: number;
  readonly packing: { readonly oneMessage: PackingCaseResult; readonly spanning: PackingCaseResult };
}

export type SessionSuiteResult = Record<Encoding, SessionEncodingResult>;

/** Packing costs at most this much time over building and encoding the same messages plainly. */
export const PACKING_GOAL = 1.2;

const ENCODINGS: readonly Encoding[] = ['xml', 'wbxml'];
const SESSION_ID = '4A1F';
/** MaxMsgSize both sides announce: Package#2 and #3 fit one message each. */
const SESSION_MAX_MSG_SIZE = 64 * 1024;
/** MaxMsgSize of the one-message packing case. */
const ONE_MESSAGE_MAX_MSG_SIZE = 1024 * 1024;
/** Messages the spanning packing case aims at. */
const SPANNING_MESSAGES = 5;
const COMMANDS = 50;
/** Of the 50 commands (every fifth is a Get with 2 items), those that get Results. */
const GETS = COMMANDS / 5;

interface Codec {
  readonly encode: (m: SyncML) => Uint8Array;
  readonly decode: (b: Uint8Array) => SyncML;
}

const CODECS: Record<Encoding, Codec> = {
  xml: { encode: (m) => encodeXml(m), decode: (b) => decodeXml(b) },
  wbxml: { encode: (m) => encodeWbxml(m, { strings: 'inline' }), decode: (b) => decodeWbxml(b) },
};

function fail(encoding: Encoding, what: string): never {
  throw new Error(`bench/session: ${encoding}: ${what}`);
}

function check(encoding: Encoding, ok: boolean, what: string): void {
  if (!ok) fail(encoding, what);
}

// ------------------------------------------------------------------ server exchange

interface SessionSetup {
  readonly encoding: Encoding;
  readonly codec: Codec;
  readonly serverConfig: EndpointConfig;
  readonly drafts: readonly SyncBodyCommandDraft[];
  readonly p1Bytes: Uint8Array;
  readonly p3Bytes: Uint8Array;
}

/** What one server iteration produced. */
interface Exchange {
  readonly p1Events: SessionEvent[];
  readonly p2: SyncML;
  readonly p2Bytes: Uint8Array;
  readonly p3Events: SessionEvent[];
  readonly p4: SyncML;
  readonly p4Bytes: Uint8Array;
  readonly server: ServerSession;
}

/** The server's first half: read Package#1, answer it, queue the commands, encode Package#2. */
function answerPackage1(server: ServerSession, codec: Codec, p1Bytes: Uint8Array, drafts: readonly SyncBodyCommandDraft[]): { events: SessionEvent[]; p2: SyncML; p2Bytes: Uint8Array } {
  const r1 = server.receive(codec.decode(p1Bytes));
  for (const e of r1.events) if (e.type === 'command') server.answer(e, StatusCode.Ok);
  for (const d of drafts) server.send(d);
  const p2 = server.reply()!;
  return { events: r1.events, p2: p2.message, p2Bytes: p2.bytes };
}

/** The timed server iteration (also run once, checked, before timing). */
function serverExchange(s: SessionSetup): Exchange {
  const { codec } = s;
  const server = new ServerSession(s.serverConfig);
  const first = answerPackage1(server, codec, s.p1Bytes, s.drafts);
  const r3 = server.receive(codec.decode(s.p3Bytes));
  const p4 = server.reply()!;
  return { p1Events: first.events, p2: first.p2, p2Bytes: first.p2Bytes, p3Events: r3.events, p4: p4.message, p4Bytes: p4.bytes, server };
}

/** Answers of the device: 200 for everything, Results for each Get. */
function deviceAnswers(client: ClientSession, events: readonly SessionEvent[]): void {
  for (const e of events) {
    if (e.type !== 'command') continue;
    if (e.command.kind === 'Get') {
      const items = e.command.items.map(
        (i): Item => ({ source: { locURI: i.target?.locURI ?? '' }, meta: { format: 'chr', type: 'text/plain', emis: [] }, data: `value of ${i.target?.locURI ?? ''}` }),
      );
      client.answer(e, StatusCode.Ok, { items: items as [Item, ...Item[]], targetRefs: [], sourceRefs: [] });
    } else {
      client.answer(e, StatusCode.Ok);
    }
  }
}

const kinds = (m: SyncML): string[] => m.syncBody.commands.map((c) => c.kind);
const count = <T>(xs: readonly T[], p: (x: T) => boolean): number => xs.reduce((n, x) => n + (p(x) ? 1 : 0), 0);

/** Builds Package#1 and #3 with a real ClientSession, then runs and checks one server iteration. */
function prepareSession(encoding: Encoding): { setup: SessionSetup; exchange: Exchange; p1: SyncML; p3: SyncML } {
  const codec = CODECS[encoding];
  const common = { encoding, sessionID: SESSION_ID, maxMsgSize: SESSION_MAX_MSG_SIZE, peerMaxMsgSize: SESSION_MAX_MSG_SIZE };
  const serverConfig: EndpointConfig = { ...common, localURI: SERVER_URI, remoteURI: DEVICE_URI };
  const drafts = managementCommands(COMMANDS);
  const replace = package1().syncBody.commands.find((c) => c.kind === 'Replace');
  if (replace?.kind !== 'Replace') fail(encoding, 'package1() has no Replace of DevInfo');

  // The client's side, once: Package#1, then Package#3 in answer to the server's Package#2.
  const client = new ClientSession({ ...common, localURI: DEVICE_URI, remoteURI: SERVER_URI });
  const start = client.start({ devInfo: replace.items });
  const p1 = start.message;
  const p1Bytes = start.bytes;
  check(encoding, isDeepStrictEqual(p1Bytes, codec.encode(p1)), 'the bytes of Package#1 are not its message encoded');
  const first = answerPackage1(new ServerSession(serverConfig), codec, p1Bytes, drafts);
  const c2 = client.receive(codec.decode(first.p2Bytes));
  check(encoding, !c2.duplicate && count(c2.events, (e) => e.type === 'command') === COMMANDS, `the client read ${count(c2.events, (e) => e.type === 'command')} commands in Package#2, not ${COMMANDS}`);
  deviceAnswers(client, c2.events);
  const reply3 = client.reply();
  if (!reply3) fail(encoding, 'the client has no Package#3');
  const p3 = reply3.message;
  const p3Bytes = reply3.bytes;
  check(encoding, isDeepStrictEqual(p3Bytes, codec.encode(p3)), 'the bytes of Package#3 are not its message encoded');

  // Package#1: Alert 1201 and the DevInfo Replace, Final.
  check(encoding, isDeepStrictEqual(kinds(p1), ['Alert', 'Replace']) && p1.syncBody.final === true, `Package#1 is ${kinds(p1).join(',')}, final=${p1.syncBody.final}`);
  // Package#3: SyncHdr Status, 50 Statuses, 10 Results, Final, all within the server's MaxMsgSize.
  check(encoding, count(kinds(p3), (k) => k === 'Status') === 1 + COMMANDS, `Package#3 has ${count(kinds(p3), (k) => k === 'Status')} Statuses, not ${1 + COMMANDS}`);
  check(encoding, count(kinds(p3), (k) => k === 'Results') === GETS, `Package#3 has ${count(kinds(p3), (k) => k === 'Results')} Results, not ${GETS}`);
  check(encoding, p3.syncBody.final === true, 'Package#3 has no Final');
  check(encoding, p3Bytes.length <= SESSION_MAX_MSG_SIZE, `Package#3 is ${p3Bytes.length} B, over MaxMsgSize ${SESSION_MAX_MSG_SIZE}`);

  const setup: SessionSetup = { encoding, codec, serverConfig, drafts, p1Bytes, p3Bytes };
  const exchange = serverExchange(setup);
  verifyExchange(setup, exchange, first.p2Bytes);
  return { setup, exchange, p1, p3 };
}

/** The shapes one server iteration must produce. */
function verifyExchange(s: SessionSetup, x: Exchange, p2Expected: Uint8Array): void {
  const { encoding } = s;
  const types = (es: readonly SessionEvent[]): string[] => es.map((e) => e.type);
  check(encoding, isDeepStrictEqual(types(x.p1Events), ['command', 'command', 'package-complete']), `Package#1 gave events ${types(x.p1Events).join(',')}`);
  // Package#2: Statuses for SyncHdr, Alert and Replace, then the 50 commands, Final.
  const p2Statuses = x.p2.syncBody.commands.filter((c) => c.kind === 'Status');
  check(
    encoding,
    isDeepStrictEqual(
      p2Statuses.map((c) => (c.kind === 'Status' ? [c.msgRef, c.cmdRef, c.cmd, c.data] : [])),
      [
        ['1', '0', 'SyncHdr', '200'],
        ['1', '1', 'Alert', '200'],
        ['1', '2', 'Replace', '200'],
      ],
    ),
    `Package#2 Statuses are ${JSON.stringify(p2Statuses)}`,
  );
  check(
    encoding,
    isDeepStrictEqual(kinds(x.p2), ['Status', 'Status', 'Status', ...s.drafts.map((d) => d.kind)]),
    `Package#2 is ${kinds(x.p2).join(',')}, not 3 Statuses then the ${COMMANDS} commands in order`,
  );
  check(encoding, x.p2.syncBody.final === true, 'Package#2 has no Final');
  check(encoding, x.p2Bytes.length <= SESSION_MAX_MSG_SIZE, `Package#2 is ${x.p2Bytes.length} B, over MaxMsgSize ${SESSION_MAX_MSG_SIZE}`);
  check(encoding, isDeepStrictEqual(x.p2Bytes, p2Expected), 'Package#2 differs from the one the client answered (the iteration is not deterministic)');
  check(encoding, isDeepStrictEqual(x.p2Bytes, s.codec.encode(x.p2)), 'the bytes of Package#2 are not its message encoded');
  check(encoding, isDeepStrictEqual(x.p4Bytes, s.codec.encode(x.p4)), 'the bytes of Package#4 are not its message encoded');
  // Package#3 read back: a Status for each of the 50 commands, Results for each Get.
  const statusEvents = x.p3Events.filter((e) => e.type === 'status');
  check(encoding, statusEvents.length === COMMANDS, `Package#3 matched ${statusEvents.length} Statuses to sent commands, not ${COMMANDS}`);
  check(encoding, statusEvents.every((e) => e.type === 'status' && e.status.data === '200'), 'a Status in Package#3 is not 200');
  check(encoding, count(x.p3Events, (e) => e.type === 'results' && e.command?.kind === 'Get') === GETS, `Package#3 matched ${count(x.p3Events, (e) => e.type === 'results')} Results to Gets, not ${GETS}`);
  check(encoding, count(x.p3Events, (e) => e.type === 'package-complete') === 1, 'Package#3 did not complete the client package');
  check(encoding, x.p3Events.length === COMMANDS + GETS + 1, `Package#3 gave unexpected events: ${[...new Set(types(x.p3Events))].join(',')}`);
  check(encoding, x.server.awaitingStatus === 0, `${x.server.awaitingStatus} commands still await a Status`);
  // Package#4: the SyncHdr Status only, Final; the session is over.
  const p4 = x.p4.syncBody.commands;
  check(encoding, p4.length === 1 && p4[0]!.kind === 'Status' && p4[0]!.cmd === 'SyncHdr' && p4[0]!.msgRef === '2', `Package#4 is ${kinds(x.p4).join(',')}`);
  check(encoding, x.p4.syncBody.final === true, 'Package#4 has no Final');
  check(encoding, x.server.ended, 'the server session did not end after Package#4');
}

// ------------------------------------------------------------------ packing

/** The header of packed messages: the server's, without the MaxMsgSize that only its first message carries. */
function packHeader(msgID: number): HeaderInit {
  return { sessionID: SESSION_ID, msgID: String(msgID), target: { locURI: DEVICE_URI }, source: { locURI: SERVER_URI } };
}

/** Packs the whole package; returns the messages in order. */
function packAll(encoding: Encoding, maxMsgSize: number, drafts: readonly SyncBodyCommandDraft[]): PackedMessage[] {
  const out = new OutgoingPackage({ encoding, maxMsgSize });
  for (const d of drafts) out.send(d);
  const messages: PackedMessage[] = [];
  for (let id = 1; out.pending; id++) messages.push(out.next(packHeader(id)));
  return messages;
}

/** The same messages without packing: `groups[k]` commands go into message k+1. */
function buildPlain(drafts: readonly SyncBodyCommandDraft[], groups: readonly number[]): SyncML[] {
  const messages: SyncML[] = [];
  let at = 0;
  for (let k = 0; k < groups.length; k++) {
    const b = new MessageBuilder(packHeader(k + 1));
    for (const end = at + groups[k]!; at < end; at++) b.command(drafts[at]!);
    messages.push(b.final(k === groups.length - 1).build());
  }
  return messages;
}

interface PackingSetup {
  readonly maxMsgSize: number;
  readonly groups: readonly number[];
  readonly bytes: number;
  readonly largestMessage: number;
  readonly pack: () => unknown;
  readonly plain: () => unknown;
}

function preparePacking(encoding: Encoding, drafts: readonly SyncBodyCommandDraft[], maxMsgSize: number, expectedMessages: number): PackingSetup {
  const { encode } = CODECS[encoding];
  const packedMessages = packAll(encoding, maxMsgSize, drafts);
  const packed = packedMessages.map((p) => p.message);
  check(encoding, packed.length === expectedMessages, `MaxMsgSize ${maxMsgSize} packs ${packed.length} messages, not ${expectedMessages}`);
  const groups = packed.map((m) => m.syncBody.commands.length);
  check(encoding, groups.reduce((a, b) => a + b, 0) === drafts.length, `the packed messages hold ${groups.join('+')} commands, not ${drafts.length}`);
  const plain = buildPlain(drafts, groups);
  check(encoding, isDeepStrictEqual(packed, plain), `packing at MaxMsgSize ${maxMsgSize} does not give the MessageBuilder messages`);
  check(encoding, packed.every((m, k) => (m.syncBody.final === true) === (k === packed.length - 1)), 'Final is not on the last packed message only');
  check(encoding, packedMessages.every((p, k) => isDeepStrictEqual(p.bytes, encode(plain[k]!))), 'the packed bytes are not the plain messages encoded');
  const sizes = packedMessages.map((p) => p.bytes.length);
  check(encoding, sizes.every((n) => n <= maxMsgSize), `a packed message (${Math.max(...sizes)} B) is over MaxMsgSize ${maxMsgSize}`);
  return {
    maxMsgSize,
    groups,
    bytes: sizes.reduce((a, b) => a + b, 0),
    largestMessage: Math.max(...sizes),
    pack: () => {
      const out = new OutgoingPackage({ encoding, maxMsgSize });
      for (const d of drafts) out.send(d);
      let n = 0;
      for (let id = 1; out.pending; id++) n += out.next(packHeader(id)).bytes.length;
      return n;
    },
    plain: () => {
      let n = 0;
      for (const m of buildPlain(drafts, groups)) n += encode(m).length;
      return n;
    },
  };
}

/** Smallest MaxMsgSize that packs the drafts into at most `messages` messages. */
function spanningMaxMsgSize(encoding: Encoding, drafts: readonly SyncBodyCommandDraft[], messages: number): number {
  const whole = CODECS[encoding].encode(buildPlain(drafts, [drafts.length])[0]!).length;
  let lo = Math.ceil(whole / messages); // never enough: every message repeats the header
  let hi = whole + 1024; // always enough (inline-string WBXML sizes are at most this much larger)
  check(encoding, packAll(encoding, hi, drafts).length === 1, `MaxMsgSize ${hi} does not hold the 50 commands in one message`);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    let n: number;
    try {
      n = packAll(encoding, mid, drafts).length;
    } catch {
      n = Infinity; // too small for the header or for one command
    }
    if (n <= messages) hi = mid;
    else lo = mid;
  }
  return hi;
}

// ------------------------------------------------------------------ run

const CASES = ['session', 'codecOnly', 'pack1', 'plain1', 'packN', 'plainN'] as const;
type CaseName = (typeof CASES)[number];

interface Prepared {
  readonly encoding: Encoding;
  readonly bytes: SessionEncodingResult['bytes'];
  readonly one: PackingSetup;
  readonly spanning: PackingSetup;
  readonly fns: Record<CaseName, () => unknown>;
}

function prepare(encoding: Encoding): Prepared {
  const { setup, exchange, p3 } = prepareSession(encoding);
  const { codec } = setup;
  const p2 = exchange.p2;
  const p4 = exchange.p4;
  const { p1Bytes, p3Bytes } = setup;
  // The decoded Package#3 is what the client built (the bytes read back as the message).
  check(encoding, isDeepStrictEqual(codec.decode(p3Bytes), p3), 'decode(encode(Package#3)) differs from Package#3');
  const drafts = setup.drafts;
  const one = preparePacking(encoding, drafts, ONE_MESSAGE_MAX_MSG_SIZE, 1);
  const spanning = preparePacking(encoding, drafts, spanningMaxMsgSize(encoding, drafts, SPANNING_MESSAGES), SPANNING_MESSAGES);
  return {
    encoding,
    bytes: { package1: p1Bytes.length, package2: exchange.p2Bytes.length, package3: p3Bytes.length, package4: exchange.p4Bytes.length },
    one,
    spanning,
    fns: {
      session: () => serverExchange(setup),
      codecOnly: () => [codec.decode(p1Bytes), codec.encode(p2), codec.decode(p3Bytes), codec.encode(p4)],
      pack1: one.pack,
      plain1: one.plain,
      packN: spanning.pack,
      plainN: spanning.plain,
    },
  };
}

async function run(ctx: SuiteContext): Promise<SessionSuiteResult> {
  const prepared = ENCODINGS.map(prepare);
  for (const p of prepared) {
    const b = p.bytes;
    ctx.log(
      `session: ${p.encoding}: Package#1..#4 ${b.package1}/${b.package2}/${b.package3}/${b.package4} B, shapes verified; packing: 1 message at MaxMsgSize ${p.one.maxMsgSize}, ${p.spanning.groups.length} messages (${p.spanning.groups.join('+')} commands) at MaxMsgSize ${p.spanning.maxMsgSize}, verified`,
    );
  }

  const cases: BenchCase[] = [];
  for (const p of prepared) for (const name of CASES) cases.push({ id: `${p.encoding}/${name}`, fn: p.fns[name] });
  const stats = runInterleaved(cases, {
    rounds: ctx.rounds,
    budgetMs: ctx.budgetMs,
    warmupMs: ctx.warmupMs,
    log: (line) => ctx.log(`session: ${line}`),
  });

  const result = {} as Record<Encoding, SessionEncodingResult>;
  for (const p of prepared) {
    const get = (name: CaseName, messagesPerOp: number, bytesPerOp: number): IterationRate => {
      const s = stats.get(`${p.encoding}/${name}`)!;
      const r = rate(s.opsPerSec * messagesPerOp, bytesPerOp, Math.max(...s.rounds) * messagesPerOp, round(s.spreadPct, 1));
      return { ...roundRate(r), opsPerSec: roundOps(s.opsPerSec) };
    };
    const ops = (name: CaseName): number => stats.get(`${p.encoding}/${name}`)!.opsPerSec;
    const best = (name: CaseName): number => Math.max(...stats.get(`${p.encoding}/${name}`)!.rounds);
    const b = p.bytes;
    const iterationBytes = b.package1 + b.package2 + b.package3 + b.package4;
    const session = get('session', 4, iterationBytes);
    const codecOnly = get('codecOnly', 4, iterationBytes);
    const packing = (s: PackingSetup, pack: CaseName, plain: CaseName): PackingCaseResult => {
      const packRate = get(pack, s.groups.length, s.bytes);
      const plainRate = get(plain, s.groups.length, s.bytes);
      return {
        maxMsgSize: s.maxMsgSize,
        messages: s.groups.length,
        bytes: s.bytes,
        largestMessage: s.largestMessage,
        pack: packRate,
        plain: plainRate,
        packVsPlain: round(ops(plain) / ops(pack), 3),
        packVsPlainBest: round(best(plain) / best(pack), 3),
      };
    };
    const sessionOps = ops('session');
    const codecOps = ops('codecOnly');
    result[p.encoding] = {
      bytes: b,
      session,
      codecOnly,
      sessionVsCodec: round(codecOps / sessionOps, 3),
      sessionVsCodecBest: round(best('codecOnly') / best('session'), 3),
      sessionSharePct: round((1 - sessionOps / codecOps) * 100, 1),
      packing: { oneMessage: packing(p.one, 'pack1', 'plain1'), spanning: packing(p.spanning, 'packN', 'plainN') },
    };
  }
  return result;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function roundOps(v: number): number {
  return round(v, v < 100 ? 2 : 0);
}

function roundRate(r: Rate): Rate {
  return { msgPerSec: roundOps(r.msgPerSec), mbPerSec: round(r.mbPerSec, 2), bestMsgPerSec: roundOps(r.bestMsgPerSec), spreadPct: r.spreadPct };
}

// ------------------------------------------------------------------ table

const fmtInt = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));

function rateLine(label: string, c: IterationRate): string {
  return `  ${label.padEnd(38)}${fmtInt(c.opsPerSec).padStart(10)}${fmtInt(c.msgPerSec).padStart(11)}${c.mbPerSec.toFixed(1).padStart(8)}${fmtInt(c.bestMsgPerSec).padStart(13)}${(c.spreadPct.toFixed(1) + '%').padStart(9)}`;
}

function head(first: string): string {
  return `  ${first.padEnd(38)}${'ops/s'.padStart(10)}${'msg/s'.padStart(11)}${'MB/s'.padStart(8)}${'best msg/s'.padStart(13)}${'spread'.padStart(9)}`;
}

function packCell(v: number, best: number, width: number): string {
  return `${v.toFixed(2)} (${best.toFixed(2)}) ${v <= PACKING_GOAL ? 'ok' : 'OVER GOAL'}`.padStart(width);
}

function format(result: SessionSuiteResult): string {
  const lines: string[] = [];
  lines.push('Session: medians over the rounds, best = fastest round (in msg/s), spread = (max-min)/median of the rounds.');
  lines.push('Server exchange: one op = new ServerSession, receive(decode(P#1)), answer, send 50 commands, reply().bytes = P#2,');
  lines.push('receive(decode(P#3)), reply().bytes = P#4; msg/s counts the 4 messages (2 in, 2 out), MB/s their bytes.');
  lines.push('Codec only: decode(P#1), encode(P#2), decode(P#3), encode(P#4) of the same messages.');
  lines.push('Packing: one op = the 50 commands packed by OutgoingPackage.next(), which writes the bytes (pack), or the same messages');
  lines.push('built by MessageBuilder and encoded (plain); msg/s counts the messages of the package.');
  for (const [encoding, r] of Object.entries(result) as [Encoding, SessionEncodingResult][]) {
    const b = r.bytes;
    const one = r.packing.oneMessage;
    const span = r.packing.spanning;
    lines.push('');
    lines.push(
      `${encoding}: P#1 ${b.package1.toLocaleString('en-US')} B (Alert, Replace), P#2 ${b.package2.toLocaleString('en-US')} B (3 Status + 50 commands), P#3 ${b.package3.toLocaleString('en-US')} B (51 Status + 10 Results), P#4 ${b.package4.toLocaleString('en-US')} B`,
    );
    lines.push(head('case'));
    lines.push(rateLine('server exchange (P#1->P#2, P#3->P#4)', r.session));
    lines.push(rateLine('codec only (decode/encode)', r.codecOnly));
    lines.push(rateLine(`pack, 1 msg (MaxMsgSize ${one.maxMsgSize})`, one.pack));
    lines.push(rateLine('plain, 1 msg', one.plain));
    lines.push(rateLine(`pack, ${span.messages} msgs (MaxMsgSize ${span.maxMsgSize})`, span.pack));
    lines.push(rateLine(`plain, ${span.messages} msgs`, span.plain));
    lines.push(
      `  packed: 1 msg ${one.bytes.toLocaleString('en-US')} B; ${span.messages} msgs ${span.bytes.toLocaleString('en-US')} B in all, largest ${span.largestMessage.toLocaleString('en-US')} B`,
    );
  }
  lines.push('');
  lines.push('Ratios of time per op, from median ops/s (in parentheses: from the fastest rounds):');
  lines.push(`  ${'encoding'.padEnd(10)}${'session/codec'.padStart(16)}${'session share'.padStart(15)}${'pack/plain 1 msg'.padStart(24)}${'pack/plain N msgs'.padStart(24)}`);
  lines.push(`  ${'goal'.padEnd(10)}${'-'.padStart(16)}${'-'.padStart(15)}${`<= ${PACKING_GOAL.toFixed(1)}`.padStart(24)}${`<= ${PACKING_GOAL.toFixed(1)}`.padStart(24)}`);
  for (const [encoding, r] of Object.entries(result) as [Encoding, SessionEncodingResult][]) {
    const one = r.packing.oneMessage;
    const span = r.packing.spanning;
    lines.push(
      `  ${encoding.padEnd(10)}${`${r.sessionVsCodec.toFixed(2)} (${r.sessionVsCodecBest.toFixed(2)})`.padStart(16)}${(r.sessionSharePct.toFixed(1) + '%').padStart(15)}${packCell(one.packVsPlain, one.packVsPlainBest, 24)}${packCell(span.packVsPlain, span.packVsPlainBest, 24)}`,
    );
  }
  lines.push('  session/codec: the server exchange against its decode/encode steps alone; share = the rest of its time.');
  lines.push('  pack/plain: OutgoingPackage.next() (bytes included) against MessageBuilder + encode of the same messages.');
  return lines.join('\n');
}

/** Key of this suite in the `--json` output. */
export const name = 'session';
export { run, format };

// The module itself is the suite (bench/main.ts registers `import * as ...`); this checks its shape.
const _suite: BenchSuite<SessionSuiteResult> = { name, run, format };
void _suite;
