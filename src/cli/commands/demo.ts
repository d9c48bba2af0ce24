/**
 * `omadm demo [--wbxml] [--auth none|basic|md5|hmac] [--devices N]`: the first thing a new
 * user runs. A real DM server (the server stack of `omadm serve`, over SQLite in a
 * temporary directory, on 127.0.0.1) and a few simulated devices (the DM client's runner,
 * each with its own management tree): jobs are queued through the management API, each
 * device runs its session over HTTP, and the transcript is printed package by package,
 * then what became of every job. Nothing is left behind: the server stops and the
 * directory is removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { styleText } from 'node:util';
import { ExitCode, UsageError } from '../command.js';
import { choiceParser, defineVerb, positiveIntegerParser, verbCommand } from '../verb.js';
import { openStore } from '../../server/store/open.js';
import { startServerStack, type ServerStack } from '../../server/server-stack.js';
import type { Store } from '../../server/store/store.js';
import type { JobSpec } from '../../server/store/job-spec.js';
import type { JobView } from '../../server/management/index.js';
import { ACCOUNT_AUTH_TYPE, runDeviceSession, type AuthChoice, type DeviceSessionTranscript } from '../../client/runner/runner.js';
import { formatCommand, type TranscriptCommand } from '../../client/runner/transcript.js';
import { type AccountCredential } from '../../client/objects/dmacc.js';
import { simulatedDeviceTree } from '../../client/objects/device-tree.js';
import { ExecRegistry } from '../../client/executor/exec-handlers.js';
import { createUiRunner } from '../../client/ui/runner.js';
import { autoAnswer } from '../../client/ui/auto.js';
import type { CliIo } from '../io.js';

const AUTHS = ['none', 'basic', 'md5', 'hmac'] as const;
const SERVER_ID = 'omadm.demo';
const MAX_DEVICES = 20;
/** The size of the demo's firmware image: larger than a message, so it goes in chunks (section 8). */
export const DEMO_OBJECT_BYTES = 300 * 1024;
/** The devices' MaxMsgSize: small enough that the firmware image needs many messages. */
const DEVICE_MAX_MSG_SIZE = 16 * 1024;

/** The jobs every demo device gets, in the order they are queued. */
export function demoJobs(firmware: string): { readonly label: string; readonly spec: JobSpec }[] {
  return [
    { label: 'Get the device information', spec: { op: 'get', uris: ['./DevInfo/Man', './DevInfo/Mod', './DevInfo/DmV', './DevInfo/Lang'] } },
    { label: 'Replace a setting', spec: { op: 'replace', items: [{ uri: './Vendor/omadm/Greeting', data: 'Hello from the omadm demo', format: 'chr' }] } },
    { label: 'Ask the user to confirm', spec: { op: 'ui', code: 1101, text: 'Install the demo firmware?', options: { MAXDT: '30' } } },
    { label: `Replace a ${DEMO_OBJECT_BYTES / 1024} KB firmware image (a large object)`, spec: { op: 'replace', items: [{ uri: './Vendor/omadm/Firmware', data: firmware, format: 'b64' }] } },
    { label: 'Exec the update', spec: { op: 'exec', uri: './Vendor/omadm/Update', correlator: 'demo-update-1' } },
  ];
}

interface Paint {
  (style: Parameters<typeof styleText>[0], text: string): string;
}

function painter(enabled: boolean): Paint {
  return (style, text) => (enabled ? styleText(style, text) : text);
}

/** The colour a status code reads in: success green, chunk/accepted cyan, refusal red. */
function statusStyle(code: number): Parameters<typeof styleText>[0] {
  if (code === 213 || code === 202 || code === 212) return 'cyan';
  if (code >= 200 && code < 300) return 'green';
  if (code >= 300 && code < 400) return 'yellow';
  return 'red';
}

function commandLine(c: TranscriptCommand, paint: Paint): string {
  const text = formatCommand(c);
  const code = Number(c.kind === 'Status' ? c.data : c.status);
  return Number.isInteger(code) && code >= 100 ? text.replace(/(-> |Status )(\d{3})/, (_m, pre: string, n: string) => `${pre}${paint(statusStyle(code), n)}`) : text;
}

/** The transcript of one device's session, package by package, chunks of one object folded into one line. */
export function formatDemoTranscript(t: DeviceSessionTranscript, paint: Paint): string[] {
  const lines: string[] = [];
  for (const p of t.packages) {
    const arrow = p.sender === 'client' ? 'device -> server' : 'server -> device';
    const bytes = p.messages.reduce((n, m) => n + m.bytes, 0);
    lines.push(`  ${paint('bold', `Package ${p.number}`)} (${arrow}): ${p.messages.length} message${p.messages.length === 1 ? '' : 's'}, ${bytes} bytes`);
    // A large object's chunks (and the 213s and 1222s around them) come once per message:
    // each line is shown once, with how many messages carried it.
    const entries: { line: string; inner: string[]; count: number }[] = [];
    const byKey = new Map<string, { line: string; inner: string[]; count: number }>();
    for (const m of p.messages) {
      for (const c of m.commands) {
        const line = commandLine(c, paint);
        const key = formatCommand(c).replace(/ \d+\/\d+/, '');
        const seen = byKey.get(key);
        if (seen) {
          seen.count++;
          continue;
        }
        const entry = { line, inner: (c.commands ?? []).map((inner) => commandLine(inner, paint)), count: 1 };
        byKey.set(key, entry);
        entries.push(entry);
      }
    }
    for (const e of entries) {
      lines.push(`    ${e.line}${e.count > 1 ? paint('dim', ` (in ${e.count} messages)`) : ''}`);
      for (const inner of e.inner) lines.push(`      ${inner}`);
    }
  }
  return lines;
}

function deviceTree(devId: string, url: string, auth: AuthChoice, client: AccountCredential | undefined, server: AccountCredential | undefined) {
  const tree = simulatedDeviceTree({
    devId,
    serverId: SERVER_ID,
    accounts: [{ node: 'demo', serverId: SERVER_ID, addr: url, ...(client ? { client } : {}), ...(server ? { server } : {}), ...(auth !== 'none' ? { authPref: ACCOUNT_AUTH_TYPE[auth] } : {}) }],
  });
  const acl = `Get=${SERVER_ID}&Replace=${SERVER_ID}&Exec=${SERVER_ID}`;
  tree.set('./Vendor', { format: 'node' });
  tree.set('./Vendor/omadm', { format: 'node', acl: `Add=${SERVER_ID}&${acl}` });
  tree.set('./Vendor/omadm/Greeting', { format: 'chr', value: 'hello', acl });
  tree.set('./Vendor/omadm/Firmware', { format: 'b64', value: '', acl });
  tree.set('./Vendor/omadm/Update', { format: 'null', acl });
  return tree;
}

async function runDemo(o: { wbxml?: boolean; auth?: AuthChoice; devices?: number; color: boolean }, io: CliIo): Promise<number> {
  const paint = painter(o.color);
  const auth: AuthChoice = o.auth ?? 'md5';
  const encoding = o.wbxml ? 'wbxml' : 'xml';
  const count = o.devices ?? 2;
  const dir = await mkdtemp(join(tmpdir(), 'omadm-demo-'));
  let store: Store | undefined;
  let stack: ServerStack | undefined;
  try {
    // Inside the try: whatever fails, the server stops and the directory goes.
    store = await openStore(`sqlite:${join(dir, 'demo.db')}`);
    const adminToken = randomBytes(18).toString('base64url');
    stack = await startServerStack({ store, adminToken, log: false, host: '127.0.0.1', port: 0, sweepEveryMs: 60_000 });
    io.stdout(`${paint('bold', 'omadm demo')}: a DM server at ${stack.url} (SQLite in ${dir}), ${count} simulated device${count === 1 ? '' : 's'}, ${encoding.toUpperCase()}, authentication ${auth} both ways\n`);
    const firmware = Buffer.from(randomBytes((DEMO_OBJECT_BYTES * 3) / 4)).toString('base64');
    const jobs = demoJobs(firmware);
    io.stdout(`\nJobs queued for each device through the management API:\n${jobs.map((j, i) => `  ${i + 1}. ${j.label}`).join('\n')}\n`);

    let allDone = true;
    const totals = { sessions: 0, completed: 0, messages: 0, bytes: 0, jobs: 0, done: 0 };
    for (let d = 1; d <= count; d++) {
      const devId = `IMEI:3534900000000${String(d).padStart(2, '0')}`;
      const secret = randomBytes(12).toString('base64url');
      const serverSecret = randomBytes(12).toString('base64url');
      await stack.management.addDevice({
        id: devId,
        serverId: SERVER_ID,
        client: auth === 'none' ? { scheme: 'none' } : { scheme: auth, name: `device${d}`, secret },
        server: auth === 'none' ? { scheme: 'none' } : { name: SERVER_ID, secret: serverSecret },
      });
      const queued: JobView[] = [];
      for (const j of jobs) queued.push(await stack.management.enqueueJob(devId, { spec: j.spec }));

      const type = auth === 'none' ? undefined : ACCOUNT_AUTH_TYPE[auth];
      const tree = deviceTree(
        devId,
        stack.url,
        auth,
        type ? { type, name: `device${d}`, secret } : undefined,
        type ? { type, name: SERVER_ID, secret: serverSecret } : undefined,
      );
      const exec = new ExecRegistry().register('./Vendor/omadm/Update', () => ({ status: 200 }));
      const transcript = await runDeviceSession({
        tree,
        serverId: SERVER_ID,
        encoding,
        clientAuth: auth,
        serverAuth: auth,
        maxMsgSize: DEVICE_MAX_MSG_SIZE,
        exec,
        // The user says yes at once (a real device would show the prompt: see `omadm device`).
        ui: createUiRunner(autoAnswer({ confirm: true }), undefined, { minDisplayTime: false }),
      });
      totals.sessions++;
      const sent = transcript.packages.flatMap((p) => p.messages);
      totals.messages += sent.length;
      totals.bytes += sent.reduce((n, m) => n + m.bytes, 0);
      const ok = transcript.outcome === 'completed';
      if (ok) totals.completed++;
      io.stdout(`\n${paint('bold', `Device ${devId}`)}: session ${transcript.sessionId}, opened with Alert ${transcript.alert}\n`);
      io.stdout(formatDemoTranscript(transcript, paint).join('\n') + '\n');
      io.stdout(`  ${ok ? paint('green', 'session completed') : paint('red', `session ended: ${transcript.outcome}${transcript.reason ? ` (${transcript.reason})` : ''}`)}\n`);

      io.stdout(`  Jobs:\n`);
      for (const [i, q] of queued.entries()) {
        const job = await stack.management.getJob(q.id);
        const state = job.state;
        const code = job.outcome?.status;
        const done = state === 'done';
        totals.jobs++;
        if (done) totals.done++;
        else allDone = false;
        const detail = [code !== undefined ? `status ${code}` : undefined, ...(job.outcome?.results ?? []).slice(0, 1).map((r) => `${r.source} = ${JSON.stringify((r.data ?? '').slice(0, 40))}`), job.outcome?.answer !== undefined ? `answer ${JSON.stringify(job.outcome.answer)}` : undefined]
          .filter((x) => x !== undefined)
          .join(', ');
        io.stdout(`    ${i + 1}. ${jobs[i]!.label}: ${done ? paint('green', state) : paint('red', state)}${detail ? ` (${detail})` : ''}\n`);
      }
      if (!ok) allDone = false;
    }
    io.stdout(
      `\n${paint('bold', 'Summary')}: ${totals.completed}/${totals.sessions} sessions completed, ${totals.messages} messages, ${totals.bytes} bytes on the wire; ${totals.done}/${totals.jobs} jobs done.\n`,
    );
    io.stdout(allDone ? `${paint('green', 'Every job succeeded.')}\n` : `${paint('red', 'Some jobs did not succeed.')}\n`);
    return allDone ? ExitCode.ok : ExitCode.invalidInput;
  } finally {
    await stack?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export default defineVerb({
  summary: 'Run a DM server and simulated devices, and show their sessions',
  command: () =>
    verbCommand(
      'demo',
      'Starts a DM server (SQLite in a temporary directory, on 127.0.0.1) and simulated devices, queues jobs for each device (a Get of DevInfo, a Replace, a user confirmation, a 300 KB firmware image sent in chunks, an Exec), runs each device\'s DM session over HTTP and prints it package by package, then what became of every job. Removes everything when done.',
    )
      .usage('[options]')
      .option('--wbxml', 'The devices speak WBXML instead of XML')
      .option('--auth <TYPE>', 'Authentication both ways: none, basic, md5 or hmac (default md5)', choiceParser('--auth', AUTHS))
      .option('--devices <N>', `How many devices (default 2, at most ${MAX_DEVICES})`, positiveIntegerParser('--devices'))
      .option('--no-color', 'No colours (also when NO_COLOR is set or the output is not a terminal)'),
  epilogue: 'Exit status: 0 every session completed and every job succeeded; 1 otherwise;\n2 usage error.',
  async run(_args, options, io) {
    if (options.devices !== undefined && options.devices > MAX_DEVICES) throw new UsageError(`option '--devices' takes at most ${MAX_DEVICES}, not ${options.devices}`);
    const color = options.color !== false && io.stdoutIsTTY && !process.env['NO_COLOR'];
    return runDemo({ ...(options.wbxml ? { wbxml: true } : {}), ...(options.auth ? { auth: options.auth } : {}), ...(options.devices !== undefined ? { devices: options.devices } : {}), color }, io);
  },
});
