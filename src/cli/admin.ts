/**
 * What the device and job administration verbs share: opening the database of `--db` as a
 * Management, turning its refusals into exit 1 with the field named, and printing rows as
 * aligned tables (or JSON for `--json`).
 */
import { alertDescription, statusReason } from '../../generated/codes.js';
import { Management } from '../server/management/management.js';
import { isManagementConflictError } from '../server/management/errors.js';
import type { JobView } from '../server/management/schemas.js';
import { isStoreConfigError, isStoreInputError, isStoreNotFoundError } from '../server/store/errors.js';
import type { JobSpec } from '../server/store/job-spec.js';
import { ExitCode } from './command.js';
import { openDb } from './db-option.js';
import type { CliIo } from './io.js';

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

/** Prints `value` as JSON, 2-space indent. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Rows under a header, columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `name: value` lines, names aligned. */
export function fields(pairs: readonly (readonly [string, string | undefined])[]): string {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${(k + ':').padEnd(width + 1)}  ${v}`).join('\n') + '\n';
}

/** A time as ISO 8601 UTC to the second. */
export function when(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Text cut to `max` characters, control characters shown as escapes (one line per cell). */
export function cell(text: string, max = 40): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
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
