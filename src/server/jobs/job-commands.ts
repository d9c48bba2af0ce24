/**
 * A job as the command the session sends (a draft: the message gives it its CmdID), and
 * what came back for it as the job's outcome. Shapes come from generated/ (builders and
 * types); the UI alert layout is the protocol's (section 10.3): the first Item holds the
 * options URL-encoded (empty Item when there are none), the second the text, the rest
 * the choices of 1103 and 1104, which the device answers by number in its Status Items.
 */
import { cmd, type AddDraft, type AlertDraft, type AtomicDraft, type CopyDraft, type DeleteDraft, type ExecDraft, type GetDraft, type ReplaceDraft, type SequenceDraft } from '../../../generated/builders.js';
import type { Item, Meta, Results, Status } from '../../../generated/types.js';
import type { ItemSpec, JobSpec } from '../store/job-spec.js';
import type { JobOutcome, ResultItem } from '../store/types.js';
import { StoreInputError } from '../store/errors.js';

/** The commands a job sends: each fits the SyncBody, an Atomic and a Sequence alike. */
export type JobCommandDraft = AddDraft | AlertDraft | AtomicDraft | CopyDraft | DeleteDraft | ExecDraft | GetDraft | ReplaceDraft | SequenceDraft;

/** The command a job sends; Atomic and Sequence carry their steps' commands inside. */
export function jobCommand(spec: JobSpec): JobCommandDraft {
  switch (spec.op) {
    case 'get':
      return cmd.get({ items: nonEmpty(spec.uris.map(targetItem)) });
    case 'delete':
      return cmd.delete({ items: nonEmpty(spec.uris.map(targetItem)) });
    case 'replace':
      return cmd.replace({ items: nonEmpty(spec.items.map(valueItem)) });
    case 'add':
      return cmd.add({ items: nonEmpty(spec.items.map(valueItem)) });
    case 'copy':
      return cmd.copy({ items: nonEmpty(spec.items.map((i) => ({ target: { locURI: i.target }, source: { locURI: i.source } }))) });
    case 'exec':
      return cmd.exec({ item: valueItem(spec), ...(spec.correlator !== undefined ? { correlator: spec.correlator } : {}) });
    case 'ui': {
      const options = Object.entries(spec.options ?? {})
        .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
        .join('&');
      const items: Item[] = [options === '' ? {} : { data: options }, { data: spec.text }, ...(spec.choices ?? []).map((c) => ({ data: c }))];
      return cmd.alert({ data: String(spec.code), items });
    }
    case 'atomic':
      return cmd.atomic({ commands: spec.steps.map(jobCommand) });
    case 'sequence':
      return cmd.sequence({ commands: spec.steps.map(sequenceStep) });
  }
}

/** What came back for a job: the Status of its command, the Results that answered it
 * (a Get's), and for a UI alert the answer in the Status Items (text typed, or choice numbers). */
export function jobOutcome(spec: JobSpec, status: Pick<Status, 'data' | 'items'>, results: readonly Pick<Results, 'items' | 'meta'>[] = [], inner: readonly Pick<Status, 'data'>[] = []): JobOutcome {
  const code = Number(status.data.trim());
  const answer = spec.op === 'ui' ? status.items.flatMap((i) => (i.data !== undefined ? [i.data] : [])) : [];
  const items = results.flatMap((r) => r.items.map((i) => resultItem(i, r.meta)));
  return {
    status: code,
    ...(items.length > 0 ? { results: items } : {}),
    ...(answer.length > 0 ? { answer } : {}),
    ...(inner.length > 0 ? { inner: inner.map((s) => Number(s.data.trim())) } : {}),
  };
}

/** A Sequence holds anything but another Sequence (the DTD's content model). */
function sequenceStep(step: JobSpec, i: number): Exclude<JobCommandDraft, SequenceDraft> {
  const c = jobCommand(step);
  if (c.kind === 'Sequence') throw new StoreInputError(`spec.steps[${i}]`, 'a Sequence cannot hold a Sequence');
  return c;
}

function resultItem(item: Item, outer: Meta | undefined): ResultItem {
  const format = item.meta?.format ?? outer?.format;
  const type = item.meta?.type ?? outer?.type;
  return {
    ...(item.source !== undefined ? { source: item.source.locURI } : {}),
    ...(item.target !== undefined ? { target: item.target.locURI } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(item.data !== undefined ? { data: item.data } : {}),
  };
}

function targetItem(uri: string): Item {
  return { target: { locURI: uri } };
}

function valueItem(spec: ItemSpec): Item {
  const meta: Meta | undefined = spec.format !== undefined || spec.type !== undefined ? { ...(spec.format !== undefined ? { format: spec.format } : {}), ...(spec.type !== undefined ? { type: spec.type } : {}), emis: [] } : undefined;
  return { target: { locURI: spec.uri }, ...(meta ? { meta } : {}), ...(spec.data !== undefined ? { data: spec.data } : {}) };
}

function nonEmpty<T>(list: T[]): [T, ...T[]] {
  if (list.length === 0) throw new StoreInputError('spec', 'a job command needs at least one item');
  return list as [T, ...T[]];
}
