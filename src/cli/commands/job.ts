/**
 * `omadm job add|list|show|cancel`: the job queue of the database `omadm serve` runs on.
 * A job goes out in the device's next session; `job list` shows its state, the Status
 * code that came back and the Results.
 */
import { AlertCode, isUiOption, type UiOption } from '../../../generated/codes.js';
import { JOB_LIMITS, type ItemSpec, type JobSpec } from '../../server/store/job-spec.js';
import type { PageOf } from '../../server/management/management.js';
import type { JobInput, JobView } from '../../server/management/schemas.js';
import { ExitCode, UsageError, inputLabel, readInput } from '../command.js';
import { DB_FLAGS, DB_HELP, parseDb } from '../db-option.js';
import { JOB_COLUMNS, describeSpec, jobRow, limitHelp, nextPageLine, runAndPrint, status } from '../admin.js';
import { cell, fields, table, tableOrNone, when } from '../table.js';
import { choiceParser, defineGroup, defineVerb, positiveIntegerParser, valueParser, verbCommand } from '../verb.js';

const OPS = ['get', 'replace', 'add', 'delete', 'exec', 'copy', 'ui', 'spec'] as const;
type CliOp = (typeof OPS)[number];

const UI_CODES: Record<string, number> = {
  display: AlertCode.Display,
  confirm: AlertCode.ConfirmOrReject,
  input: AlertCode.TextInput,
  single: AlertCode.SingleChoice,
  multiple: AlertCode.MultipleChoice,
};

const parseUiCode = valueParser('--code', 'display, confirm, input, single, multiple or 1100–1104', (v) => {
  if (UI_CODES[v] !== undefined) return UI_CODES[v];
  const n = Number(v);
  return /^[0-9]{4}$/.test(v) && Object.values(UI_CODES).includes(n) ? n : undefined;
});

const parseUiOption = valueParser('--option', 'NAME=VALUE with NAME one of MINDT, MAXDT, DR, MAXLEN, IT, ET', (v) => {
  const eq = v.indexOf('=');
  const name = v.slice(0, eq);
  return eq > 0 && isUiOption(name) ? ([name, v.slice(eq + 1)] as const) : undefined;
});

function collect<T>(parse: (v: string) => T): (v: string, previous: T[] | undefined) => T[] {
  return (v, previous) => [...(previous ?? []), parse(v)];
}

/** The part of a spec field the command line gave (`spec.items[0].data` is --data). */
function flagOf(field: string): string {
  const last = field.replace(/\[\d+\]/g, '').split('.').slice(1);
  const name = last.at(-1);
  if (last[0] === 'options' && name !== undefined) return `--option ${name}`;
  switch (name) {
    case 'data':
    case 'format':
    case 'type':
    case 'correlator':
    case 'target':
    case 'code':
      return `--${name}`;
    case 'choices':
      return '--choice';
    case 'text':
      return 'TEXT';
    case 'uri':
    case 'uris':
    case 'source':
      return 'URI';
    default:
      return field;
  }
}

interface AddOptions {
  data?: string | undefined;
  dataFile?: string | undefined;
  format?: string | undefined;
  type?: string | undefined;
  correlator?: string | undefined;
  target?: string | undefined;
  code?: number | undefined;
  choice?: string[] | undefined;
  option?: (readonly [UiOption, string])[] | undefined;
}

const ITEM_FLAGS = ['data', 'dataFile', 'format', 'type'] as const;
const FLAG_NAMES: Record<keyof AddOptions, string> = {
  data: '--data',
  dataFile: '--data-file',
  format: '--format',
  type: '--type',
  correlator: '--correlator',
  target: '--target',
  code: '--code',
  choice: '--choice',
  option: '--option',
};

/** Refuses the options that `op` does not take. */
function onlyFlags(op: string, o: AddOptions, allowed: readonly (keyof AddOptions)[]): void {
  for (const k of Object.keys(FLAG_NAMES) as (keyof AddOptions)[]) {
    if (o[k] !== undefined && !allowed.includes(k)) throw new UsageError(`${op} takes no ${FLAG_NAMES[k]}`);
  }
}

function one(op: string, args: readonly string[], what = 'URI'): string {
  if (args.length !== 1) throw new UsageError(`${op} takes one ${what}, got ${args.length}`);
  return args[0]!;
}

/** The JobSpec the command line describes (`spec FILE` reads it from a file). */
async function specOf(op: CliOp, args: readonly string[], o: AddOptions, data: string | undefined): Promise<{ spec: unknown; fromFile: boolean }> {
  const item = (uri: string): ItemSpec => ({ uri, ...(data !== undefined ? { data } : {}), ...(o.format !== undefined ? { format: o.format } : {}), ...(o.type !== undefined ? { type: o.type } : {}) });
  switch (op) {
    case 'get':
    case 'delete':
      onlyFlags(op, o, []);
      if (args.length === 0) throw new UsageError(`${op} needs at least one URI`);
      return { spec: { op, uris: [...args] }, fromFile: false };
    case 'replace':
    case 'add':
      onlyFlags(op, o, ITEM_FLAGS);
      return { spec: { op, items: [item(one(op, args))] }, fromFile: false };
    case 'exec':
      onlyFlags(op, o, [...ITEM_FLAGS, 'correlator']);
      return { spec: { op: 'exec', ...item(one(op, args)), ...(o.correlator !== undefined ? { correlator: o.correlator } : {}) }, fromFile: false };
    case 'copy':
      onlyFlags(op, o, ['target']);
      if (o.target === undefined) throw new UsageError('copy needs --target URI');
      return { spec: { op, items: [{ source: one(op, args), target: o.target }] }, fromFile: false };
    case 'ui': {
      onlyFlags(op, o, ['code', 'choice', 'option']);
      const options = Object.fromEntries(o.option ?? []);
      const code = o.code ?? AlertCode.Display;
      return { spec: { op, code, text: one(op, args, 'TEXT'), ...(o.option ? { options } : {}), ...(o.choice ? { choices: o.choice } : {}) }, fromFile: false };
    }
    case 'spec':
      onlyFlags(op, o, []);
      return { spec: undefined, fromFile: true };
  }
}

export const add = defineVerb({
  summary: 'Enqueue a job for a device',
  command: () =>
    verbCommand(
      'add',
      `Enqueues a job for the device ID; it goes out in the device's next session. OP is one of:
  get URI...    read nodes (their values come back as Results)
  delete URI... delete nodes
  replace URI   write --data (or --data-file), with --format and --type
  add URI       create a node (--format node for an interior node)
  exec URI      run a node, with --data and --correlator
  copy URI      copy the node to --target URI
  ui TEXT       a user interaction alert: --code, --choice, --option
  spec FILE|-   any job as JSON: {"op":"atomic","steps":[...]}, sequence, ...`,
      'job',
    )
      .usage('[options] ID OP ARG...')
      .argument('<ID>', 'The device id')
      .argument('<OP>', 'What to do (above)', choiceParser('OP', OPS))
      .argument('[ARG...]', 'The URIs, the text of a UI alert, or the spec file')
      .option('--data <VALUE>', 'The value to write or the Exec data')
      .option('--data-file <FILE>', "Read the value from FILE ('-': standard input), as UTF-8 text")
      .option('--format <FORMAT>', 'Meta Format of the value: chr, int, bool, b64, xml, node, null, bin, date, time, float')
      .option('--type <MIME>', 'Meta Type of the value (e.g. text/plain)')
      .option('--correlator <C>', 'Exec: the Correlator the device answers with in its Generic Alert')
      .option('--target <URI>', 'Copy: where to copy to')
      .option('--code <UI>', 'UI alert: display (1100), confirm (1101), input (1102), single (1103), multiple (1104)', parseUiCode)
      .option('--choice <TEXT>', 'UI alert: a choice of single or multiple (repeat for each)', collect((v) => v))
      .option('--option <NAME=VALUE>', 'UI alert: an option such as MINDT=5 or DR=1 (repeat for each)', collect(parseUiOption))
      .option('--max-attempts <N>', 'Send it at most N times (default 5)', positiveIntegerParser('--max-attempts'))
      .option('--expires-in <SECONDS>', 'Not sent after SECONDS from now: it becomes expired', positiveIntegerParser('--expires-in'))
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print the job as JSON'),
  epilogue: `Exit status: 0 enqueued (the job id is printed); 1 refused (no such
device, a value the job cannot take, a full queue) or the database cannot be
opened; 2 usage error.`,
  async run([id, op, args], o, io) {
    if (o.data !== undefined && o.dataFile !== undefined) throw new UsageError('give --data or --data-file, not both');
    let data = o.data;
    if (o.dataFile !== undefined) data = new TextDecoder('utf-8', { fatal: false }).decode(await readInput(io, o.dataFile, JOB_LIMITS.text));
    const { spec: built, fromFile } = await specOf(op, args, o, data);
    let spec = built;
    if (fromFile) {
      const file = one('spec', args, 'FILE');
      const text = new TextDecoder().decode(await readInput(io, file, JOB_LIMITS.text * 2));
      try {
        spec = JSON.parse(text) as unknown;
      } catch (e) {
        io.stderr(`omadm job add: ${inputLabel(file)}: not JSON: ${(e as Error).message}\n`);
        return ExitCode.invalidInput;
      }
    }
    // One reading of the clock: the job is created, and its expiry counted, at the same time.
    const now = Date.now();
    const input = {
      spec: spec as JobSpec,
      ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
      ...(o.expiresIn !== undefined ? { expiresAt: now + o.expiresIn * 1000 } : {}),
    } satisfies JobInput;
    const named = (field: string): string | undefined => {
      if (field === 'maxAttempts') return '--max-attempts';
      if (field === 'expiresAt') return '--expires-in';
      if (field === 'deviceId') return 'ID';
      return !fromFile && field.startsWith('spec') ? flagOf(field) : undefined;
    };
    const text = (j: JobView): string => `job ${j.id} queued for ${j.deviceId}: ${describeSpec(j.spec)}\n`;
    return runAndPrint('job add', { ...o, now: () => now }, io, (m) => m.enqueueJob(id, input), text, named);
  },
});

/** The command line of a verb on one job: `omadm job NAME [options] N`. */
function oneJob(name: string, description: string) {
  return verbCommand(name, description, 'job').usage('[options] N').argument('<N>', 'The job id', positiveIntegerParser('N'));
}

/** `job show` as text: the job's state and what came back, its spec as JSON, its Results as a table. */
function jobText(j: JobView): string {
  const facts = fields([
    ['job', String(j.id)],
    ['device', j.deviceId],
    ['state', j.state],
    ['attempts', `${j.attempts} of ${j.maxAttempts}`],
    ['created', when(j.createdAt)],
    ['expires', j.expiresAt !== undefined ? when(j.expiresAt) : undefined],
    ['sent', j.sentAt !== undefined ? `${when(j.sentAt)} in session ${j.sessionRef ?? '-'}` : undefined],
    ['finished', j.finishedAt !== undefined ? when(j.finishedAt) : undefined],
    ['last error', j.lastError],
    ['status', j.outcome ? status(j.outcome.status) : undefined],
    ['inner', j.outcome?.inner ? j.outcome.inner.map(status).join(', ') : undefined],
    ['answer', j.outcome?.answer ? j.outcome.answer.join(', ') : undefined],
  ]);
  const results = j.outcome?.results ?? [];
  const resultTable = results.length === 0 ? '' : `\nResults\n${table(['SOURCE', 'FORMAT', 'TYPE', 'DATA'], results.map((r) => [r.source ?? '-', r.format ?? '-', r.type ?? '-', cell(r.data ?? '', 200)]))}`;
  return `${facts}\nJob\n${JSON.stringify(j.spec, null, 2)}\n${resultTable}`;
}

export const list = defineVerb({
  summary: "List a device's jobs: states, status codes, results",
  command: () =>
    verbCommand('list', "Lists the jobs of the device ID: those still to do (queued, sent), oldest first, then the results (done, failed, expired, cancelled), newest first, with the Status code that came back and the Results or answer.", 'job')
      .usage('[options] ID')
      .argument('<ID>')
      .option('--limit <N>', limitHelp('jobs'), positiveIntegerParser('--limit'))
      .option('--before <N>', 'Results older than job N (the next page)', positiveIntegerParser('--before'))
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print JSON instead of a table'),
  epilogue: `Exit status: 0 listed; 1 no such device, or the database cannot be
opened; 2 usage error.`,
  async run([id], o, io) {
    const page = { ...(o.limit !== undefined ? { limit: o.limit } : {}), ...(o.before !== undefined ? { before: o.before } : {}) };
    const text = (p: PageOf<JobView, number>): string => tableOrNone('(no jobs)', JOB_COLUMNS, p.items.map((j) => jobRow(j, 60))) + nextPageLine('--before', p.next);
    return runAndPrint('job list', o, io, (m) => m.listJobs(id, page), text);
  },
});

export const show = defineVerb({
  summary: 'Show a job with what came back',
  command: () =>
    oneJob('show', 'Shows the job N: what it asks, its state and attempts, and what came back (Status code, Results, the UI answer, the codes inside an Atomic or Sequence).')
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print JSON instead of text'),
  epilogue: `Exit status: 0 shown; 1 no such job, or the database cannot be
opened; 2 usage error.`,
  async run([n], o, io) {
    return runAndPrint('job show', o, io, (m) => m.getJob(n), jobText);
  },
});

export const cancel = defineVerb({
  summary: 'Withdraw a queued job',
  command: () =>
    oneJob('cancel', 'Withdraws the job N before it is sent: it becomes cancelled. A job already sent (or finished) is not changed.')
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print the job as JSON'),
  epilogue: `Exit status: 0 cancelled; 1 no such job, the job is no longer queued, or the
database cannot be opened; 2 usage error.`,
  async run([n], o, io) {
    return runAndPrint('job cancel', o, io, (m) => m.cancelJob(n), (j) => `job ${j.id} cancelled\n`, (field) => (field === 'jobId' ? 'N' : undefined));
  },
});

export default defineGroup({
  name: 'job',
  summary: 'Enqueue, list, show and cancel the jobs of devices',
  description: "The job queue of the database `omadm serve` runs on (--db): a job goes out\nin its device's next session.",
  verbs: [add, list, show, cancel],
});
