/** `omadm job add|list|show|cancel` on a temporary SQLite database, run in-process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type JobSpec } from '../../src/server/store/index.js';
import { cli } from './helpers.js';

let dir: string;
let db: string;
const run = (args: string[], init: Parameters<typeof cli>[1] = {}) => cli([...args, '--db', db], init);

async function added(args: string[], init: Parameters<typeof cli>[1] = {}): Promise<{ id: number; spec: JobSpec }> {
  const r = await run(['job', 'add', 'IMEI:1', ...args, '--json'], init);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { id: number; spec: JobSpec };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'omadm-cli-job-'));
  db = `sqlite:${join(dir, 'omadm.db')}`;
  expect((await run(['device', 'add', 'IMEI:1', '--server-id', 'omadm', '--auth', 'none'])).code).toBe(0);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('omadm job add', () => {
  it('enqueues each kind of job from its command line', async () => {
    const cases: [string[], JobSpec][] = [
      [['get', './DevInfo/Mod', './DevInfo/Man'], { op: 'get', uris: ['./DevInfo/Mod', './DevInfo/Man'] }],
      [['replace', './A', '--data', '42', '--format', 'int'], { op: 'replace', items: [{ uri: './A', data: '42', format: 'int' }] }],
      [['add', './B', '--format', 'node'], { op: 'add', items: [{ uri: './B', format: 'node' }] }],
      [['add', './C', '--data', 'PGE+', '--format', 'b64', '--type', 'application/octet-stream'], { op: 'add', items: [{ uri: './C', data: 'PGE+', format: 'b64', type: 'application/octet-stream' }] }],
      [['delete', './B'], { op: 'delete', uris: ['./B'] }],
      [['exec', './FUMO/Update', '--data', 'go', '--correlator', 'c-1'], { op: 'exec', uri: './FUMO/Update', data: 'go', correlator: 'c-1' }],
      [['copy', './A', '--target', './A2'], { op: 'copy', items: [{ source: './A', target: './A2' }] }],
      [['ui', 'Hello'], { op: 'ui', code: 1100, text: 'Hello' }],
      [['ui', 'Sure?', '--code', 'confirm', '--option', 'DR=1'], { op: 'ui', code: 1101, text: 'Sure?', options: { DR: '1' } }],
      [['ui', 'PIN?', '--code', '1102', '--option', 'MAXLEN=4', '--option', 'IT=N'], { op: 'ui', code: 1102, text: 'PIN?', options: { MAXLEN: '4', IT: 'N' } }],
      [['ui', 'Which?', '--code', 'single', '--choice', 'a', '--choice', 'b'], { op: 'ui', code: 1103, text: 'Which?', choices: ['a', 'b'] }],
      [['ui', 'Which ones?', '--code', 'multiple', '--choice', 'a', '--choice', 'b', '--option', 'DR=1-2'], { op: 'ui', code: 1104, text: 'Which ones?', choices: ['a', 'b'], options: { DR: '1-2' } }],
    ];
    for (const [args, spec] of cases) expect((await added(args)).spec, args.join(' ')).toEqual(spec);
  });

  it('takes --max-attempts and --expires-in', async () => {
    const job = (await added(['get', './A', '--max-attempts', '2', '--expires-in', '3600'])) as unknown as { maxAttempts: number; expiresAt: number; createdAt: number };
    expect(job.maxAttempts).toBe(2);
    // The expiry is counted from the moment the job was enqueued (one reading of the clock).
    expect(job.expiresAt - job.createdAt).toBe(3_600_000);
    const big = await run(['job', 'add', 'IMEI:1', 'get', './A', '--max-attempts', '101']);
    expect(big).toMatchObject({ code: 1, stderr: 'omadm job add: --max-attempts: must be at most 100\n' });
  });

  it('takes any job, Atomic and Sequence included, as JSON from a file or standard input, and data from a file', async () => {
    const atomic: JobSpec = { op: 'atomic', steps: [{ op: 'replace', items: [{ uri: './X', data: '1' }] }, { op: 'sequence', steps: [{ op: 'get', uris: ['./X'] }] }] };
    expect((await added(['spec', 'job.json'], { files: { 'job.json': JSON.stringify(atomic) } })).spec).toEqual(atomic);
    expect((await added(['spec', '-'], { stdin: JSON.stringify({ op: 'sequence', steps: [{ op: 'delete', uris: ['./X'] }] }) })).spec.op).toBe('sequence');
    const big = 'x'.repeat(100_000);
    expect((await added(['replace', './Big', '--data-file', 'big.txt'], { files: { 'big.txt': big } })).spec).toEqual({ op: 'replace', items: [{ uri: './Big', data: big }] });
  });

  it('names the flag at fault (exit 1) or the JSON field of a spec file', async () => {
    expect(await run(['job', 'add', 'IMEI:1', 'replace', './A', '--data', '1', '--format', 'integer'])).toMatchObject({ code: 1, stderr: 'omadm job add: --format: must be one of b64, bin, bool, chr, int, node, null, xml, date, time, float\n' });
    expect(await run(['job', 'add', 'IMEI:1', 'ui', 'x', '--option', 'MAXLEN=3'])).toMatchObject({ code: 1, stderr: 'omadm job add: --option MAXLEN: does not apply to alert 1100\n' });
    expect(await run(['job', 'add', 'IMEI:1', 'ui', 'x', '--code', 'single'])).toMatchObject({ code: 1, stderr: 'omadm job add: --choice: alert 1103 needs choices\n' });
    expect(await run(['job', 'add', 'IMEI:1', 'spec', 'j.json'], { files: { 'j.json': '{"op":"atomic","steps":[{"op":"get","uris":[""]}]}' } })).toMatchObject({ code: 1, stderr: 'omadm job add: spec.steps[0].uris[0]: must not be empty\n' });
    expect(await run(['job', 'add', 'IMEI:1', 'spec', 'j.json'], { files: { 'j.json': '{"op":' } })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^omadm job add: j\.json: not JSON: /) });
    expect(await run(['job', 'add', 'IMEI:9', 'get', './A'])).toEqual({ code: 1, stdout: '', stderr: 'omadm job add: no device "IMEI:9"\n' });
    expect(JSON.parse((await run(['job', 'list', 'IMEI:1', '--json'])).stdout).items).toEqual([]);
  });

  it('is a usage error (exit 2) for flags the operation does not take and missing arguments', async () => {
    const cases: [string[], string][] = [
      [['get', './A', '--data', 'x'], 'get takes no --data'],
      [['get'], 'get needs at least one URI'],
      [['replace', './A', './B', '--data', '1'], 'replace takes one URI, got 2'],
      [['copy', './A'], 'copy needs --target URI'],
      [['ui', 'x', '--code', 'beep'], "option '--code' takes display, confirm, input, single, multiple or 1100–1104, not 'beep'"],
      [['ui', 'x', '--option', 'FOO=1'], "option '--option' takes NAME=VALUE"],
      [['put', './A'], "OP takes get, replace, add, delete, exec, copy, ui or spec, not 'put'"],
      [['replace', './A', '--data', '1', '--data-file', 'f'], 'give --data or --data-file, not both'],
    ];
    for (const [args, message] of cases) {
      const r = await run(['job', 'add', 'IMEI:1', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});

describe('omadm job list, show, cancel', () => {
  it('lists states, status codes and results; shows a job; cancels only a queued one', async () => {
    const get = await added(['get', './DevInfo/Mod']);
    const rep = await added(['replace', './A', '--data', '1']);
    const ui = await added(['ui', 'Pick', '--code', 'single', '--choice', 'a', '--choice', 'b']);
    const store = await openSqliteStore(db.slice('sqlite:'.length));
    try {
      const begun = await store.beginSession('IMEI:1', '1', {}, 1_800_000_000_000, 60_000);
      if (!begun.ok) throw new Error('busy');
      await store.claimJobs('IMEI:1', begun.session.ref, 1_800_000_000_000, 3);
      await store.finishJob(get.id, begun.session.ref, { status: 200, results: [{ source: './DevInfo/Mod', data: 'Model X', format: 'chr' }] }, 1_800_000_000_001);
      await store.finishJob(ui.id, begun.session.ref, { status: 200, answer: ['2'] }, 1_800_000_000_002);
    } finally {
      await store.close();
    }
    const later = await added(['delete', './A']);
    const r = await run(['job', 'list', 'IMEI:1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +STATE +TRIES +JOB +STATUS +RESULT$/);
    expect(lines[1]).toMatch(new RegExp(`^${rep.id} +sent +1/5 +replace \\./A=1 +-$`));
    expect(lines[2]).toMatch(new RegExp(`^${later.id} +queued +0/5 +delete \\./A +-$`));
    expect(lines[3]).toMatch(new RegExp(`^${ui.id} +done +1/5 +ui 1103 "Pick" \\[a\\|b\\] +200 OK +answer 2$`));
    expect(lines[4]).toMatch(new RegExp(`^${get.id} +done +1/5 +get \\./DevInfo/Mod +200 OK +\\./DevInfo/Mod=Model X$`));

    const shown = await run(['job', 'show', String(get.id)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^job: +1\ndevice: +IMEI:1\nstate: +done\nattempts: +1 of 5\n/);
    expect(shown.stdout).toMatch(/\nstatus: +200 OK\n/);
    expect(shown.stdout).toMatch(/\nResults\nSOURCE +FORMAT +TYPE +DATA\n\.\/DevInfo\/Mod +chr +- +Model X\n$/);
    expect(JSON.parse((await run(['job', 'show', String(get.id), '--json'])).stdout).outcome.results[0].data).toBe('Model X');

    expect(await run(['job', 'cancel', String(later.id)])).toEqual({ code: 0, stdout: `job ${later.id} cancelled\n`, stderr: '' });
    expect(await run(['job', 'cancel', String(rep.id)])).toEqual({ code: 1, stdout: '', stderr: `omadm job cancel: N: job ${rep.id} is sent: only a queued job can be cancelled\n` });
    expect(await run(['job', 'show', '999'])).toEqual({ code: 1, stdout: '', stderr: 'omadm job show: no job "999"\n' });
    expect((await run(['job', 'show', 'x'])).code).toBe(2);
    expect(JSON.parse((await run(['job', 'list', 'IMEI:1', '--json'])).stdout).items.map((j: { state: string }) => j.state)).toEqual(['sent', 'cancelled', 'done', 'done']);
  });

  it('says (no jobs) for an empty queue, and cuts a result to 60 characters', async () => {
    expect(await run(['job', 'list', 'IMEI:1'])).toEqual({ code: 0, stdout: '(no jobs)\n', stderr: '' });
    const get = await added(['get', './DevInfo/Mod']);
    const store = await openSqliteStore(db.slice('sqlite:'.length));
    try {
      const begun = await store.beginSession('IMEI:1', '1', {}, 1_800_000_000_000, 60_000);
      if (!begun.ok) throw new Error('busy');
      await store.claimJobs('IMEI:1', begun.session.ref, 1_800_000_000_000, 1);
      await store.finishJob(get.id, begun.session.ref, { status: 200, results: [{ data: 'x'.repeat(100) }] }, 1_800_000_000_001);
    } finally {
      await store.close();
    }
    const r = await run(['job', 'list', 'IMEI:1']);
    expect(r.stdout.split('\n')[1]).toMatch(new RegExp(`^${get.id} +done +1/5 +get \\./DevInfo/Mod +200 OK +${'x'.repeat(59)}…$`));
  });

  it('pages the list: --limit, then --before the cursor printed', async () => {
    for (let i = 0; i < 3; i++) await added(['get', `./N${i}`]);
    const r = await run(['job', 'list', 'IMEI:1', '--limit', '2']);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(r.stdout).toMatch(/\(more: --before \d+\)\n$/);
    expect(await run(['job', 'list', 'IMEI:9'])).toEqual({ code: 1, stdout: '', stderr: 'omadm job list: no device "IMEI:9"\n' });
  });
});
