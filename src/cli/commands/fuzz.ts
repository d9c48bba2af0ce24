/**
 * `omadm fuzz`: a conformance tester and fuzzer for other DM implementations.
 *   omadm fuzz server URL                 plays DM clients against the DM server at URL
 *   omadm fuzz client --listen [HOST:]PORT plays the DM server for the DM client that connects
 *   omadm fuzz replay FILE URL            plays a kept server-mode failure (a reproducer file) again
 *   omadm fuzz replay FILE --listen [HOST:]PORT  the same for a client-mode one
 * Cases are named by the rule they check (dm-1.3/<section>/<n>); see src/fuzz/.
 */
import { randomInt } from 'node:crypto';
import { ExitCode, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { choiceParser, defineGroup, defineVerb, positiveIntegerParser, valueParser, verbCommand } from '../verb.js';
import { parseExpectFail } from '../../fuzz/glob.js';
import { findCase, sanity } from '../../fuzz/cases/index.js';
import { DevicePeer, type AuthChoice, type ServerPeerConfig } from '../../fuzz/peer/client-driver.js';
import { jsonReport } from '../../fuzz/report/json.js';
import { junitReport } from '../../fuzz/report/junit.js';
import { htmlReport } from '../../fuzz/report/html.js';
import { progressLine, textReport } from '../../fuzz/report/text.js';
import { parseReproducer, reproducerFileName, isReproducerError } from '../../fuzz/reproducer.js';
import { runFuzz, runOnce, type FuzzReport } from '../../fuzz/runner.js';
import { describeRun, replayClient, runClientFuzz } from '../../fuzz/client-runner.js';
import type { Reproducer } from '../../fuzz/reproducer.js';
import type { WireEntry } from '../../fuzz/wire.js';
import { WireLog } from '../../fuzz/wire.js';

const AUTH_CHOICES = ['none', 'basic', 'md5', 'hmac'] as const;
const DEFAULT_DEV_ID = 'IMEI:000000000000000';

const parseUrl = valueParser('URL', 'an http:// or https:// URL', (v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? v : undefined;
  } catch {
    return undefined;
  }
});

const parseSeed = valueParser('--seed', 'an integer', (v) => (/^-?[0-9]+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : undefined));

const nonNegativeIntegerParser = (flag: string) => valueParser(flag, 'a whole number', (v) => (/^[0-9]{1,6}$/.test(v) ? Number(v) : undefined));

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];

const encoder = new TextEncoder();

interface PeerFlags {
  serverId?: string;
  devId?: string;
  auth?: AuthChoice;
  clientName?: string;
  clientSecret?: string;
  serverAuth?: AuthChoice;
  serverSecret?: string;
  wbxml?: true;
  timeout?: number;
}

function peerConfig(url: string, o: PeerFlags, encoding?: 'xml' | 'wbxml'): ServerPeerConfig {
  const auth = o.auth ?? 'none';
  if (auth !== 'none' && o.clientSecret === undefined) throw new UsageError(`--auth ${auth} needs --client-secret`);
  const name = o.clientName ?? o.devId ?? DEFAULT_DEV_ID;
  if (auth === 'basic' && name.includes(':')) throw new UsageError(`--auth basic cannot carry ':' in the user name '${name}': give --client-name`);
  return {
    url,
    encoding: encoding ?? (o.wbxml ? 'wbxml' : 'xml'),
    devId: o.devId ?? DEFAULT_DEV_ID,
    ...(o.serverId !== undefined ? { serverId: o.serverId } : {}),
    auth,
    ...(o.clientName !== undefined ? { clientName: o.clientName } : {}),
    ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
    ...(o.serverAuth !== undefined ? { serverAuth: o.serverAuth } : {}),
    ...(o.serverSecret !== undefined ? { serverSecret: o.serverSecret } : {}),
    timeoutMs: (o.timeout ?? 10) * 1000,
  };
}

async function write(io: CliIo, path: string, text: string): Promise<void> {
  try {
    await io.writeFile(path, encoder.encode(text));
  } catch (e) {
    throw new UsageError(`cannot write '${path}': ${(e as { code?: string }).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
}

async function readText(io: CliIo, path: string): Promise<string> {
  let got;
  try {
    got = await io.readFile(path, 16 * 1024 * 1024);
  } catch (e) {
    throw new UsageError(`cannot read '${path}': ${(e as { code?: string }).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!(got instanceof Uint8Array)) throw new UsageError(`'${path}' is larger than 16 MiB`);
  return new TextDecoder().decode(got);
}

const PEER_HELP = {
  serverId: "The server's id (its DMAcc ServerID), for the reports",
  devId: 'Our device id: the Source LocURI of every message (default IMEI:000000000000000)',
  auth: 'How we authenticate to the server: none (default), basic, md5 or hmac',
  clientName: 'Our user name (default: the device id)',
  clientSecret: 'Our secret (needed with --auth)',
  serverAuth: 'How the server authenticates to us: none, basic, md5 or hmac',
  serverSecret: "The server's secret",
  wbxml: 'Speak WBXML (application/vnd.syncml.dm+wbxml) rather than XML',
  timeout: 'Seconds to wait for each answer (default 10); no answer is a hang',
};

const CLIENT_HELP = {
  exec: 'Start the client under test with this shell command, once per run ($OMADM_URL is the URL)',
  auth: 'How the client must authenticate: none (default: anything is taken), basic, md5 or hmac',
  clientName: "The client's user name (default: its Source LocURI)",
  clientSecret: "The client's secret (needed with --auth)",
  caseTimeout: 'Time for one run of a case, the client starting included (default 30)',
  timeout: 'Seconds to wait for each client message (default 10); none is a hang',
};

const server = defineVerb({
  summary: 'Play DM clients against a DM server and report the rules it breaks',
  command: () =>
    verbCommand(
      'server',
      `Plays one DM client after another against the DM server at URL over HTTP, and talks to no other address (a RespURI elsewhere is not followed). The sanity case (a plain session) runs first: if it fails, nothing else runs. Then conformance cases (one rule of OMA-TS-DM_Protocol-V1_3 each, named dm-1.3/<section>/<n> with its Appendix B id and level) and robustness cases (nearly valid and hostile messages: the server must refuse cleanly and stay up). Each failure is shrunk to its smallest form and kept as a reproducer (--reproducers DIR) that 'omadm fuzz replay' plays again. The device (--dev-id and its credentials) must be known to the server: provision it first (e.g. 'omadm device add').`,
      'fuzz',
    )
      .usage('[options] URL')
      .argument('<URL>', 'the DM server', parseUrl)
      .option('--server-id <SID>', PEER_HELP.serverId)
      .option('--dev-id <ID>', PEER_HELP.devId)
      .option('--auth <SCHEME>', PEER_HELP.auth, choiceParser('--auth', AUTH_CHOICES))
      .option('--client-name <U>', PEER_HELP.clientName)
      .option('--client-secret <S>', PEER_HELP.clientSecret)
      .option('--server-auth <SCHEME>', PEER_HELP.serverAuth, choiceParser('--server-auth', AUTH_CHOICES))
      .option('--server-secret <SS>', PEER_HELP.serverSecret)
      .option('--wbxml', PEER_HELP.wbxml)
      .option('--timeout <SECONDS>', PEER_HELP.timeout, positiveIntegerParser('--timeout'))
      .option('--seed <N>', 'Seed of the run (default: a random one, printed): the same seed sends the same messages, SessionIDs aside', parseSeed)
      .option('--max-time <SECONDS>', 'Stop starting cases after this long', positiveIntegerParser('--max-time'))
      .option('--max-sessions <N>', 'Open at most N DM sessions in all', positiveIntegerParser('--max-sessions'))
      .option('--cases <GLOB>', "Run only the cases whose id matches (repeat or comma-separate; '*' matches anything)", collect)
      .option('--exclude <GLOB>', 'Leave out the cases whose id matches', collect)
      .option('--expect-fail <FILE>', 'Case ids (or globs) known to fail, one a line (# comments): they do not fail the run; if one passes, it does')
      .option('--json <FILE>', 'Write the report as JSON')
      .option('--junit <FILE>', 'Write the report as JUnit XML')
      .option('--html <FILE>', 'Write the report as one HTML page (rules by section, each failure with its wire log)')
      .option('--reproducers <DIR>', 'Write each failure, shrunk, as DIR/<case>.json (DIR must exist)')
      .option('-q, --quiet', 'No progress lines on stderr'),
  epilogue: `Exit status: 0 every selected case passed, was skipped (the server does not
claim the feature) or failed as --expect-fail said, and at least one ran; 1 a
case failed, crashed or hung, an expected failure passed, or no case ran; 2
usage error.`,
  async run([url], options, io) {
    const peer = peerConfig(url, options);
    const seed = options.seed ?? randomInt(0, 2 ** 31);
    const expectFail = options.expectFail !== undefined ? parseExpectFail(await readText(io, options.expectFail)) : [];
    const report = await runFuzz({
      peer,
      seed,
      cases: options.cases ?? [],
      exclude: options.exclude ?? [],
      expectFail,
      ...(options.maxTime !== undefined ? { maxTimeMs: options.maxTime * 1000 } : {}),
      ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
      onProgress: (e) => {
        if (options.quiet) return;
        if (e.type === 'start') io.stderr(`omadm fuzz server ${url} (seed ${seed}, ${peer.encoding.toUpperCase()}, auth ${peer.auth})\n`);
        const line = progressLine(e);
        if (line !== undefined) io.stderr(line + '\n');
      },
    });
    const files = await writeReproducers(io, report, options.reproducers);
    await writeReports(io, report, options, files);
    for (const [id, path] of files) io.stdout(`reproducer of ${id}: ${path} (omadm fuzz replay ${path} ${url})\n`);
    return report.summary.ok ? ExitCode.ok : ExitCode.invalidInput;
  },
});

const parseListen = valueParser('--listen', '[HOST:]PORT', (v) => {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?([0-9]{1,5})$/.exec(v);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1'), port };
});

/** Writes each failure's reproducer as DIR/<case>.json; the files written, by case id. */
async function writeReproducers(io: CliIo, report: FuzzReport, dir: string | undefined): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  if (dir === undefined) return files;
  for (const r of report.cases) {
    if (!r.reproducer) continue;
    const path = `${dir.replace(/\/+$/, '')}/${reproducerFileName(r.id)}`;
    await write(io, path, JSON.stringify(r.reproducer, null, 2) + '\n');
    files.set(r.id, path);
  }
  return files;
}

/** Writes the reports a verb was asked for, and the table on stdout. */
async function writeReports(io: CliIo, report: FuzzReport, options: { json?: string; junit?: string; html?: string }, files: ReadonlyMap<string, string> = new Map()): Promise<void> {
  if (options.json !== undefined) await write(io, options.json, jsonReport(report, files));
  if (options.junit !== undefined) await write(io, options.junit, junitReport(report));
  if (options.html !== undefined) await write(io, options.html, htmlReport(report));
  io.stdout(textReport(report));
}

const client = defineVerb({
  summary: 'Play the DM server for a DM client and report the rules it breaks',
  command: () =>
    verbCommand(
      'client',
      `Listens on [HOST:]PORT (HOST 127.0.0.1 by default) as a DM server at http://HOST:PORT/dm; each session a client opens there is the next run of a case (the sanity case first: if it fails, nothing else runs). Start the client under test again and again yourself, or give --exec CMD: the fuzzer runs CMD (with /bin/sh) once per run, with the URL in $OMADM_URL, kills it when the case's time is up, and records its exit code; a client killed by a signal is a crash. Each failure is shrunk to its smallest form (every attempt one more session of the client, at most --max-shrinks) and kept as a reproducer (--reproducers DIR) that 'omadm fuzz replay FILE --listen [HOST:]PORT' plays again. With --auth the client must authenticate (the fuzzer challenges it as a server would); the fuzzer sends no credentials of its own.`,
      'fuzz',
    )
      .usage('[options] --listen [HOST:]PORT')
      .requiredOption('--listen <[HOST:]PORT>', 'Where to listen (port 0: any free port, printed)', parseListen)
      .option('--exec <CMD>', CLIENT_HELP.exec)
      .option('--auth <SCHEME>', CLIENT_HELP.auth, choiceParser('--auth', AUTH_CHOICES))
      .option('--client-name <U>', CLIENT_HELP.clientName)
      .option('--client-secret <S>', CLIENT_HELP.clientSecret)
      .option('--case-timeout <SECONDS>', CLIENT_HELP.caseTimeout, positiveIntegerParser('--case-timeout'))
      .option('--timeout <SECONDS>', CLIENT_HELP.timeout, positiveIntegerParser('--timeout'))
      .option('--seed <N>', 'Seed of the run (default: a random one, printed): the same seed sends the same server messages', parseSeed)
      .option('--max-shrinks <N>', 'Shrinking attempts per failure, each one session of the client (default 20; 0: no shrinking)', nonNegativeIntegerParser('--max-shrinks'))
      .option('--max-time <SECONDS>', 'Stop starting cases after this long', positiveIntegerParser('--max-time'))
      .option('--max-sessions <N>', 'Take at most N sessions in all', positiveIntegerParser('--max-sessions'))
      .option('--cases <GLOB>', "Run only the cases whose id matches (repeat or comma-separate; '*' matches anything)", collect)
      .option('--exclude <GLOB>', 'Leave out the cases whose id matches', collect)
      .option('--expect-fail <FILE>', 'Case ids (or globs) known to fail, one a line (# comments)')
      .option('--json <FILE>', 'Write the report as JSON')
      .option('--junit <FILE>', 'Write the report as JUnit XML')
      .option('--html <FILE>', 'Write the report as one HTML page')
      .option('--reproducers <DIR>', 'Write each failure, shrunk, as DIR/<case>.json (DIR must exist)')
      .option('-q, --quiet', 'No progress lines on stderr'),
  epilogue: `Exit status: 0 every selected case passed, was skipped or failed as
--expect-fail said, and at least one ran; 1 a case failed, crashed or hung, an
expected failure passed, or no case ran; 2 usage error (or the address is taken).`,
  async run(_args, options, io) {
    const expectFail = options.expectFail !== undefined ? parseExpectFail(await readText(io, options.expectFail)) : [];
    if (options.auth !== undefined && options.auth !== 'none' && options.clientSecret === undefined) throw new UsageError(`--auth ${options.auth} needs --client-secret`);
    const seed = options.seed ?? randomInt(0, 2 ** 31);
    let report: FuzzReport;
    try {
      report = await runClientFuzz({
        host: options.listen.host,
        port: options.listen.port,
        seed,
        ...(options.maxShrinks !== undefined ? { maxShrinks: options.maxShrinks } : {}),
        ...(options.auth !== undefined ? { auth: options.auth } : {}),
        ...(options.clientName !== undefined ? { clientName: options.clientName } : {}),
        ...(options.clientSecret !== undefined ? { clientSecret: options.clientSecret } : {}),
        ...(options.exec !== undefined ? { exec: options.exec } : {}),
        ...(options.caseTimeout !== undefined ? { caseTimeoutMs: options.caseTimeout * 1000 } : {}),
        ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {}),
        ...(options.maxTime !== undefined ? { maxTimeMs: options.maxTime * 1000 } : {}),
        ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
        cases: options.cases ?? [],
        exclude: options.exclude ?? [],
        expectFail,
        onListening: (url) => io.stderr(`omadm fuzz client: a DM server at ${url} (seed ${seed})${options.exec === undefined ? ' (start the client under test once per run)' : ''}\n`),
        onProgress: (e) => {
          if (options.quiet) return;
          const line = progressLine(e);
          if (line !== undefined) io.stderr(line + '\n');
        },
        // Whoever starts the client by hand must know that shrinking wants it again.
        onWaiting: (e) => {
          if (!options.quiet && options.exec === undefined && e.shrinking) io.stderr(`  shrinking ${e.id}: waiting for the client's next session (run ${e.run + 1})\n`);
        },
      });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${options.listen.host}:${options.listen.port}: ${code}`);
      throw e;
    }
    const files = await writeReproducers(io, report, options.reproducers);
    await writeReports(io, report, options, files);
    const listen = `${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${options.listen.port}`;
    for (const [id, path] of files) io.stdout(`reproducer of ${id}: ${path} (omadm fuzz replay ${path} --listen ${listen}${options.exec !== undefined ? ' --exec CMD' : ''})\n`);
    return report.summary.ok ? ExitCode.ok : ExitCode.invalidInput;
  },
});

const replay = defineVerb({
  summary: 'Play a kept failure (a reproducer file) again, to a server or a client',
  command: () =>
    verbCommand(
      'replay',
      `Reads a reproducer that 'omadm fuzz server --reproducers DIR' or 'omadm fuzz client --reproducers DIR' wrote and runs its case again with the same parameters, so the same messages go (the SessionID aside). A server-mode reproducer is played to the DM server at URL, in the encoding it was found in; with authentication, a plain session runs first to get a fresh nonce. A client-mode one is played to the next DM client that opens a session at --listen [HOST:]PORT (started by --exec CMD, or by you), which must speak as it did. Prints the verdict, then the messages of the run.`,
      'fuzz',
    )
      .usage('[options] FILE URL | FILE --listen [HOST:]PORT [--exec CMD]')
      .argument('<FILE>')
      .argument('[URL]', 'the DM server (a server-mode reproducer)', parseUrl)
      .option('--listen <[HOST:]PORT>', 'Where to listen for the DM client (a client-mode reproducer; port 0: any free port, printed)', parseListen)
      .option('--exec <CMD>', CLIENT_HELP.exec)
      .option('--case-timeout <SECONDS>', CLIENT_HELP.caseTimeout, positiveIntegerParser('--case-timeout'))
      .option('--server-id <SID>', PEER_HELP.serverId)
      .option('--dev-id <ID>', PEER_HELP.devId)
      .option('--auth <SCHEME>', `${PEER_HELP.auth} (client mode: how the client must authenticate)`, choiceParser('--auth', AUTH_CHOICES))
      .option('--client-name <U>', PEER_HELP.clientName)
      .option('--client-secret <S>', PEER_HELP.clientSecret)
      .option('--server-auth <SCHEME>', PEER_HELP.serverAuth, choiceParser('--server-auth', AUTH_CHOICES))
      .option('--server-secret <SS>', PEER_HELP.serverSecret)
      .option('--timeout <SECONDS>', PEER_HELP.timeout, positiveIntegerParser('--timeout')),
  epilogue: `Exit status: 0 the case passes now; 1 it still fails (or crashes, hangs),
or the file is no reproducer; 2 usage error (a server-mode reproducer without
URL, a client-mode one without --listen).`,
  async run([file, url], options, io) {
    const text = await readText(io, file);
    let reproducer: Reproducer;
    try {
      reproducer = parseReproducer(text);
    } catch (e) {
      if (!isReproducerError(e)) throw e;
      io.stderr(`${file}: ${e.message}\n`);
      return ExitCode.invalidInput;
    }
    if (reproducer.mode === 'client') return replayToClient(file, reproducer, url, options, io);
    if (url === undefined) throw new UsageError(`${file} is a server-mode reproducer: give the DM server's URL`);
    if (options.listen !== undefined || options.exec !== undefined) throw new UsageError(`${file} is a server-mode reproducer: --listen and --exec are for client-mode ones`);
    const c = findCase(reproducer.case);
    if (c === undefined) {
      io.stderr(`${file}: no case ${reproducer.case} in this omadm\n`);
      return ExitCode.invalidInput;
    }
    const device = new DevicePeer(peerConfig(url, options, reproducer.encoding), ((reproducer.seed >>> 0) + 0x7777) % 0xf000);
    if (device.config.auth !== 'none') await runOnce(sanity, null, device, new WireLog());
    const log = new WireLog();
    const outcome = await runOnce(c, reproducer.params, device, log);
    io.stdout(`${outcome.verdict.toUpperCase()} ${c.id} (${c.level}, section ${c.section}): ${c.title}\n  requirement: ${c.requirement}\n`);
    if (outcome.verdict === 'fail') io.stdout(`  expected: ${outcome.expected}\n  observed: ${outcome.observed}\n`);
    else if ('detail' in outcome && outcome.detail) io.stdout(`  ${outcome.detail}\n`);
    printWire(io, log.entries);
    return outcome.verdict === 'pass' ? ExitCode.ok : ExitCode.invalidInput;
  },
});

function printWire(io: CliIo, entries: readonly WireEntry[]): void {
  for (const e of entries) io.stdout(`\n--- ${e.direction} ${e.url}${e.httpStatus !== undefined ? ` HTTP ${e.httpStatus}` : ''} (${e.size} bytes, ${e.format})${e.note ? `: ${e.note}` : ''}\n${e.text}\n`);
}

/** `omadm fuzz replay FILE --listen [HOST:]PORT [--exec CMD]`: a client-mode reproducer played to the client again. */
async function replayToClient(
  file: string,
  reproducer: Reproducer,
  url: string | undefined,
  options: { listen?: { host: string; port: number }; exec?: string; caseTimeout?: number; timeout?: number; auth?: AuthChoice; clientName?: string; clientSecret?: string } & Omit<PeerFlags, 'auth' | 'clientName' | 'clientSecret' | 'timeout'>,
  io: CliIo,
): Promise<number> {
  if (url !== undefined) throw new UsageError(`${file} is a client-mode reproducer: it is played to a DM client at --listen [HOST:]PORT, not to a URL`);
  const serverOnly = (['serverId', 'devId', 'serverAuth', 'serverSecret'] as const).find((k) => options[k] !== undefined);
  if (serverOnly !== undefined) throw new UsageError(`${file} is a client-mode reproducer: --${serverOnly.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for server-mode ones`);
  if (options.listen === undefined) throw new UsageError(`${file} is a client-mode reproducer: give --listen [HOST:]PORT (and --exec CMD to start the client)`);
  if (options.auth !== undefined && options.auth !== 'none' && options.clientSecret === undefined) throw new UsageError(`--auth ${options.auth} needs --client-secret`);
  let run;
  try {
    run = await replayClient(reproducer, {
      host: options.listen.host,
      port: options.listen.port,
      ...(options.exec !== undefined ? { exec: options.exec } : {}),
      ...(options.caseTimeout !== undefined ? { caseTimeoutMs: options.caseTimeout * 1000 } : {}),
      ...(options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {}),
      ...(options.auth !== undefined ? { auth: options.auth } : {}),
      ...(options.clientName !== undefined ? { clientName: options.clientName } : {}),
      ...(options.clientSecret !== undefined ? { clientSecret: options.clientSecret } : {}),
      onListening: (at) => io.stderr(`omadm fuzz replay: a DM server at ${at}${options.exec === undefined ? ' (start the client under test)' : ''}\n`),
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${options.listen.host}:${options.listen.port}: ${code}`);
    throw e;
  }
  if (run === undefined) {
    io.stderr(`${file}: no client case ${reproducer.case} in this omadm\n`);
    return ExitCode.invalidInput;
  }
  const { case: c, outcome } = run;
  io.stdout(`${outcome.verdict.toUpperCase()} ${c.id} (${c.level}, section ${c.section}): ${c.title}\n  requirement: ${c.requirement}\n`);
  if (outcome.verdict === 'fail') io.stdout(`  expected: ${outcome.expected}\n  observed: ${outcome.observed}\n`);
  const detail = outcome.verdict === 'fail' ? run.exitNote : describeRun(run);
  if (detail) io.stdout(`  ${detail}\n`);
  if (run.encoding !== undefined && run.encoding !== reproducer.encoding) io.stdout(`  note: the client spoke ${run.encoding.toUpperCase()}, the reproducer was found in ${reproducer.encoding.toUpperCase()}\n`);
  printWire(io, run.log.entries);
  return outcome.verdict === 'pass' ? ExitCode.ok : ExitCode.invalidInput;
}

export default defineGroup({
  name: 'fuzz',
  summary: 'Test another DM implementation against the spec, with a report',
  description: [
    'Plays the other side of DM sessions against an implementation under test,',
    'checks the rules of OMA-TS-DM_Protocol-V1_3 they exercise, and reports each',
    'broken rule with the spec sentence and a minimal reproducer.',
  ].join('\n'),
  verbs: [server, client, replay],
});
