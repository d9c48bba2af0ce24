/** The jobs of a session between claim and outcome (src/server/service/jobs-in-session.ts), rule by rule. */
import { describe, expect, it } from 'vitest';
import { MessageBuilder } from '../../../generated/builders.js';
import type { SyncBodyCommandDraft } from '../../../generated/builders.js';
import type { Results, Status, SyncML } from '../../../generated/types.js';
import { MAX_RESENDS, SessionJobs, settlement } from '../../../src/server/service/jobs-in-session.js';

function sent(msgID: string, drafts: SyncBodyCommandDraft[]): SyncML {
  const b = new MessageBuilder({ sessionID: '1', msgID, target: { locURI: 'dev' }, source: { locURI: 'srv' } });
  b.status({ msgRef: msgID, cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] });
  for (const d of drafts) b.command(d);
  return b.final().build();
}

function status(msgRef: string, cmdRef: string, code: number, items: Status['items'] = []): Status {
  return { kind: 'Status', cmdID: '9', msgRef, cmdRef, cmd: 'X', targetRefs: [], sourceRefs: [], data: String(code), items };
}

const get = (uri: string): SyncBodyCommandDraft => ({ kind: 'Get', items: [{ target: { locURI: uri } }] });
const chunk = (more: boolean): SyncBodyCommandDraft => ({ kind: 'Replace', items: [{ target: { locURI: './Big' }, data: 'abc', ...(more ? { moreData: true } : {}) }] });

describe('jobs of a session (jobs-in-session.ts)', () => {
  it('rules 1-3: pieces are the jobs in order; a Status finishes a job, a Get waits for its Results or the end of the package', () => {
    const jobs = new SessionJobs();
    jobs.add(1, { op: 'replace', items: [{ uri: './A', data: '1' }] });
    jobs.add(2, { op: 'get', uris: ['./B'] });
    // Alert 1222 is the session's own, never a job's piece.
    expect(jobs.sent(sent('2', [{ kind: 'Replace', items: [{ target: { locURI: './A' }, data: '1' }] }, { kind: 'Alert', data: '1222', items: [] }, get('./B')]))).toEqual([1, 2]);
    expect(jobs.status(status('2', '2', 200))).toBe(1);
    expect(jobs.status(status('2', '4', 200))).toBe(2);
    expect(jobs.takeFinished(false).map((f) => f.id)).toEqual([1]);
    const results: Results = { kind: 'Results', cmdID: '5', cmdRef: '4', targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './B' }, data: 'b' }] };
    // Results leaving MsgRef out are matched by CmdRef.
    expect(jobs.results(results)).toBe(2);
    expect(jobs.takeFinished(false)).toMatchObject([{ id: 2, results: [{ items: [{ data: 'b' }] }] }]);
    expect(jobs.idle).toBe(true);
  });

  it('rule 1: a large object is one job over several messages; 213 keeps it going, the last chunk\'s Status finishes it', () => {
    const jobs = new SessionJobs();
    jobs.add(7, { op: 'replace', items: [{ uri: './Big', data: 'abcabc' }] });
    jobs.add(8, { op: 'get', uris: ['./C'] });
    expect(jobs.sent(sent('2', [chunk(true)]))).toEqual([]);
    jobs.status(status('2', '2', 213));
    expect(jobs.takeFinished(true)).toEqual([]);
    expect(jobs.sent(sent('3', [chunk(false), get('./C')]))).toEqual([7, 8]);
    jobs.status(status('3', '2', 200));
    jobs.status(status('3', '3', 404));
    expect(jobs.takeFinished(true).map((f) => [f.id, f.status.data])).toEqual([
      [7, '200'],
      [8, '404'],
    ]);
  });

  it('rules 1-2: a command of several items split one per item is one job: it waits for each part\'s Status and keeps the first failure; the next command is the next job\'s', () => {
    const part = (uri: string, data: string): SyncBodyCommandDraft => ({ kind: 'Replace', items: [{ target: { locURI: uri }, data }] });
    const jobs = new SessionJobs();
    jobs.add(1, { op: 'replace', items: [{ uri: './A', data: 'a' }, { uri: './B', data: 'b' }, { uri: './C', data: 'c' }] });
    jobs.add(2, { op: 'get', uris: ['./D'] });
    expect(jobs.sent(sent('2', [part('./A', 'a')]))).toEqual([]);
    jobs.status(status('2', '2', 200));
    expect(jobs.takeFinished(true)).toEqual([]);
    // Part B goes in chunks: only its last chunk ends it.
    expect(jobs.sent(sent('3', [{ kind: 'Replace', items: [{ target: { locURI: './B' }, data: 'b', moreData: true }] }]))).toEqual([]);
    jobs.status(status('3', '2', 213));
    expect(jobs.sent(sent('4', [part('./B', 'b'), part('./C', 'c'), get('./D')]))).toEqual([1, 2]);
    jobs.status(status('4', '2', 500));
    jobs.status(status('4', '3', 200));
    jobs.status(status('4', '4', 200));
    jobs.results({ kind: 'Results', cmdID: '5', msgRef: '4', cmdRef: '4', targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './D' }, data: 'd' }] });
    expect(jobs.takeFinished(true).map((f) => [f.id, f.status.data, f.results.length])).toEqual([
      [1, '500', 0],
      [2, '200', 1],
    ]);
    // A command that went whole is answered once.
    const whole = new SessionJobs();
    whole.add(3, { op: 'delete', uris: ['./X', './Y'] });
    expect(whole.sent(sent('2', [{ kind: 'Delete', items: [{ target: { locURI: './X' } }, { target: { locURI: './Y' } }] }]))).toEqual([3]);
    whole.status(status('2', '2', 200));
    expect(whole.takeFinished(true)).toMatchObject([{ id: 3, status: { data: '200' } }]);
  });

  it('rule 2: the Statuses of nested commands are the container\'s inner codes, in order, whatever order they come in', () => {
    const jobs = new SessionJobs();
    jobs.add(3, { op: 'atomic', steps: [{ op: 'delete', uris: ['./X'] }, { op: 'delete', uris: ['./Y'] }] });
    jobs.sent(sent('2', [{ kind: 'Atomic', commands: [{ kind: 'Delete', items: [{ target: { locURI: './X' } }] }, { kind: 'Delete', items: [{ target: { locURI: './Y' } }] }] }]));
    jobs.status(status('2', '4', 404));
    jobs.status(status('2', '2', 507));
    jobs.status(status('2', '3', 215));
    expect(jobs.takeFinished(true)).toMatchObject([{ id: 3, status: { data: '507' }, inner: [{ data: '215' }, { data: '404' }] }]);
  });

  it(`rule 4: a job refused 401/407 for want of our credentials goes again, at most ${MAX_RESENDS} times`, () => {
    const jobs = new SessionJobs();
    jobs.add(4, { op: 'get', uris: ['./A'] });
    for (let i = 0; i < MAX_RESENDS; i++) {
      jobs.sent(sent(String(2 + i), [get('./A')]));
      jobs.status(status(String(2 + i), '2', 401));
      expect(jobs.takeFinished(true)).toEqual([]);
      expect(jobs.takeResends()).toMatchObject([{ id: 4 }]);
      expect(jobs.takeResends()).toEqual([]);
    }
    jobs.sent(sent('9', [get('./A')]));
    jobs.status(status('9', '2', 407));
    expect(jobs.takeFinished(true)).toMatchObject([{ id: 4, status: { data: '407' } }]);
  });

  it('rule 5: a job answered 214 or left without a Status leaves the books (the store puts it back in the queue)', () => {
    const jobs = new SessionJobs();
    jobs.add(5, { op: 'get', uris: ['./A'] });
    jobs.add(6, { op: 'get', uris: ['./B'] });
    const m = sent('2', [get('./A'), get('./B')]);
    jobs.sent(m);
    jobs.status(status('2', '2', 214));
    jobs.statusMissing(m.syncBody.commands[2]! as never, '2');
    expect(jobs.takeFinished(true)).toEqual([]);
    expect(jobs.idle).toBe(true);
    // A UI alert's 214 is the user's answer, not the device aborting: it finishes the job (rule 7 settles it).
    const ui = new SessionJobs();
    ui.add(7, { op: 'ui', code: 1101, text: 'Reboot?' });
    ui.sent(sent('2', [{ kind: 'Alert', data: '1101', items: [{}, { data: 'Reboot?' }] }]));
    ui.status(status('2', '2', 214));
    expect(ui.takeFinished(true)).toMatchObject([{ id: 7, status: { data: '214' } }]);
  });

  it('rule 6: commands withheld for a lowered MaxObjSize finish their jobs with 413 at once, and the next command is not taken for theirs', () => {
    const big = 'x'.repeat(9_000);
    const jobs = new SessionJobs();
    jobs.add(1, { op: 'replace', items: [{ uri: './Big', data: big }] });
    jobs.add(2, { op: 'replace', items: [{ uri: './Same', data: 'small' }] });
    jobs.add(3, { op: 'replace', items: [{ uri: './Same', data: 'a larger value' }] });
    jobs.add(4, { op: 'get', uris: ['./C'] });
    // Job 1 is the large object under way (a chunk went); job 3 waits in the queue.
    jobs.sent(sent('2', [{ kind: 'Replace', items: [{ target: { locURI: './Big' }, data: big.slice(0, 3000), moreData: true }] }]));
    // The state goes through JSON between messages (another process may read the next one).
    const restored = new SessionJobs(JSON.parse(JSON.stringify(jobs.snapshot())));
    const withheld = restored.withhold(
      [
        { kind: 'Replace', items: [{ target: { locURI: './Same' }, data: 'a larger value' }] },
        { kind: 'Results', cmdRef: '3', items: [{ source: { locURI: './X' }, data: 'r' }] } as SyncBodyCommandDraft,
        { kind: 'Replace', items: [{ target: { locURI: './Big' }, data: big }] },
      ],
      '12',
    );
    expect(withheld.map((w) => [w.id, w.status.data])).toEqual([
      [3, '413'],
      [1, '413'],
    ]);
    expect(withheld[0]!.reason).toBe("job 3 not sent: its Replace carries an object larger than the device's MaxObjSize of 12 bytes (announced after it was queued, section 8)");
    // What goes out now is job 2's command, then job 4's: each Status reaches its own job.
    expect(restored.sent(sent('3', [{ kind: 'Replace', items: [{ target: { locURI: './Same' }, data: 'small' }] }, get('./C')]))).toEqual([2, 4]);
    restored.status(status('3', '2', 200));
    restored.status(status('3', '3', 404));
    expect(restored.takeFinished(true).map((f) => [f.id, f.status.data])).toEqual([
      [2, '200'],
      [4, '404'],
    ]);
    expect(restored.idle).toBe(true);
  });

  it('rule 7 (section 10.2): a UI confirm answered 304 ("No") or 200 ("Yes") is done, with the answer; other codes decide by success', () => {
    const confirm = { op: 'ui', code: 1101, text: 'Reboot now?' } as const;
    const finished = (code: number, reason?: string) => ({ id: 1, status: { data: String(code), items: [] }, results: [], inner: [], ...(reason ? { reason } : {}) });
    expect(settlement(finished(304), confirm)).toEqual({ id: 1, outcome: { status: 304, answer: ['no'] }, state: 'done' });
    expect(settlement(finished(200), confirm)).toEqual({ id: 1, outcome: { status: 200, answer: ['yes'] }, state: 'done' });
    expect(settlement(finished(500), confirm)).toEqual({ id: 1, outcome: { status: 500 }, state: 'failed' });
    // 304 to anything but a confirm is no answer: failed.
    expect(settlement(finished(304), { op: 'ui', code: 1100, text: 'Hi' })).toMatchObject({ state: 'failed' });
    expect(settlement(finished(304), { op: 'get', uris: ['./A'] })).toMatchObject({ state: 'failed' });
    expect(settlement(finished(413, 'too large'), { op: 'get', uris: ['./A'] })).toEqual({ id: 1, outcome: { status: 413 }, state: 'failed', lastError: 'too large' });
    // 214 to a UI alert is the user cancelling (10.2): failed, with the reason; 215 (not executed after it) failed too.
    expect(settlement(finished(214), { op: 'ui', code: 1102, text: 'Name?' })).toEqual({ id: 1, outcome: { status: 214 }, state: 'failed', lastError: 'the user cancelled alert 1102 (214, section 10.2)' });
    expect(settlement(finished(215), { op: 'get', uris: ['./A'] })).toEqual({ id: 1, outcome: { status: 215 }, state: 'failed', lastError: 'not executed: the device stopped processing the package before this command (215)' });
  });

  it('keeps its state as plain JSON, small specs only', () => {
    const jobs = new SessionJobs();
    jobs.add(1, { op: 'ui', code: 1100, text: 'hi' });
    jobs.add(2, { op: 'replace', items: [{ uri: './Big', data: 'x'.repeat(10_000) }] });
    const again = new SessionJobs(JSON.parse(JSON.stringify(jobs.snapshot())));
    expect(again.snapshot().inFlight.map((j) => [j.id, j.spec !== undefined])).toEqual([
      [1, true],
      [2, false],
    ]);
  });
});
