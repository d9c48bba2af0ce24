/**
 * What the device and job administration verbs share: opening the database of `--db` as a
 * Management, turning its refusals into exit 1 with the field named, printing a view as
 * JSON for `--json` or as text (./table.ts lays it out), and the words for jobs, Status
 * codes and alerts in that text.
 */
import { alertDescription, statusReason } from '../../generated/codes.js';
import { Management } from '../server/management/management.js';
import { isManagementConflictError } from '../server/management/errors.js';
import { PAGE_DEFAULT, PAGE_MAX, type JobView } from '../server/management/schemas.js';
import { isStoreConfigError, isStoreInputError, isStoreNotFoundError } from '../server/store/errors.js';
import type { JobSpec } from '../server/store/job-spec.js';
import { ExitCode } from './command.js';
import { openDb } from './db-option.js';
import type { CliIo } from './io.js';
import { cell } from './table.js';

/**
 * Opens the database, runs `work` on its Management and closes it. A refused input, a
 * missing row or a clash is reported as `omadm VERB: FIELD: reason` on stderr, exit 1; the
 * field is named as on the command line when `flagOf` knows it (`client.secret` is
 * `--client-secret`).
 */
export async function withManagement(
  verb: string,
  options: { db?: string | undefined; now?: () => number },
  io: CliIo,
  work: (m: Management) => Promise<number>,
  flagOf: (field: string) => string | undefined = () => undefined,
): Promise<number> {
  let management: Management;
  try {
    management = new Management(await openDb(options), options.now ? { now: options.now } : {});
  } catch (e) {
    const reason = isStoreConfigError(e) ? e.reason : e instanceof Error ? e.message : String(e);
    io.stderr(`omadm ${verb}: cannot open the database: ${reason}\n`);
    return ExitCode.invalidInput;
  }
  try {
    return await work(management);
  } catch (e) {
    if (isStoreInputError(e) || isManagementConflictError(e)) io.stderr(`omadm ${verb}: ${flagOf(e.field) ?? e.field}: ${e.reason}\n`);
    else if (isStoreNotFoundError(e)) io.stderr(`omadm ${verb}: ${e.message}\n`);
    else throw e;
    return ExitCode.invalidInput;
  } finally {
    await management.store.close();
  }
}

/** The help of a list verb's `--limit`: the page size the management operations default to and allow. */
export function limitHelp(what: string): string {
  return `At most N ${what} (default ${PAGE_DEFAULT}, at most ${PAGE_MAX})`;
}

/**
 * withManagement for a verb that prints what one operation gives back: as JSON (2-space
 * indent) for `--json`, else as `text` writes it; exit 0.
 */
export function runAndPrint<T>(
  verb: string,
  options: { db?: string | undefined; now?: () => number; json?: true | undefined },
  io: CliIo,
  operation: (m: Management) => Promise<T>,
  text: (value: T) => string,
  flagOf?: (field: string) => string | undefined,
): Promise<number> {
  return withManagement(
    verb,
    options,
    io,
    async (m) => {
      const value = await operation(m);
      io.stdout(options.json ? JSON.stringify(value, null, 2) + '\n' : text(value));
      return ExitCode.ok;
    },
    flagOf,
  );
}

/** The line under a page of a list that says how to ask for the next one (`flag` takes `next`), if there is one. */
export function nextPageLine(flag: string, next: string | number | undefined): string {
  return next === undefined ? '' : `(more: ${flag} ${next})\n`;
}

/** One line for a job spec: `get ./A ./B`, `replace ./A=1`, `atomic [get ./A; delete ./B]`. */
export function describeSpec(spec: JobSpec): string {
  switch (spec.op) {
    case 'get':
    case 'delete':
      return `${spec.op} ${spec.uris.join(' ')}`;
    case 'replace':
    case 'add':
      return `${spec.op} ${spec.items.map((i) => (i.data !== undefined ? `${i.uri}=${i.data}` : i.uri)).join(' ')}`;
    case 'copy':
      return `copy ${spec.items.map((i) => `${i.source}->${i.target}`).join(' ')}`;
    case 'exec':
      return `exec ${spec.uri}${spec.correlator !== undefined ? ` (correlator ${spec.correlator})` : ''}`;
    case 'ui':
      return `ui ${spec.code} ${JSON.stringify(spec.text)}${spec.choices ? ` [${spec.choices.join('|')}]` : ''}`;
    case 'atomic':
    case 'sequence':
      return `${spec.op} [${spec.steps.map(describeSpec).join('; ')}]`;
  }
}

/** A Status code with its reason phrase: `200 OK`. */
export function status(code: number | undefined): string {
  if (code === undefined) return '-';
  const reason = statusReason(code);
  return reason === undefined ? String(code) : `${code} ${reason}`;
}

/** An alert code with its description. */
export function alertName(code: number): string {
  const d = alertDescription(code);
  return d === undefined ? String(code) : `${code} ${d}`;
}

/** The columns of a table of jobs (jobRow gives its rows). */
export const JOB_COLUMNS = ['ID', 'STATE', 'TRIES', 'JOB', 'STATUS', 'RESULT'] as const;

/** A job as a row of a JOB_COLUMNS table, what came back cut to `resultWidth` characters. */
export function jobRow(j: JobView, resultWidth: number): string[] {
  return [String(j.id), j.state, `${j.attempts}/${j.maxAttempts}`, cell(describeSpec(j.spec)), status(j.outcome?.status), cell(jobResult(j), resultWidth)];
}

/** What came back for a job, in one cell: Results data, a UI answer, inner codes. */
export function jobResult(job: JobView): string {
  const o = job.outcome;
  if (o === undefined) return job.lastError ?? '';
  const parts: string[] = [];
  for (const r of o.results ?? []) parts.push(r.source !== undefined ? `${r.source}=${r.data ?? ''}` : (r.data ?? ''));
  if (o.answer) parts.push(`answer ${o.answer.join(',')}`);
  if (o.inner) parts.push(`inner ${o.inner.join(',')}`);
  return parts.join(' ');
}
