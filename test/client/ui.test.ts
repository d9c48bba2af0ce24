import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CommandExecutor } from '../../src/client/executor/executor.js';
import { autoAnswer } from '../../src/client/ui/auto.js';
import { parseUiOptions } from '../../src/client/ui/options.js';
import { parseUiAlert, type UiRequest, type UiResponse } from '../../src/client/ui/request.js';
import { createUiRunner, type UiHandler, type UiTimer } from '../../src/client/ui/runner.js';
import { terminalHandler } from '../../src/client/ui/terminal.js';
import { c, codes } from './commands.js';
import { sampleTree } from './helpers.js';

/** A timer that fires only when the test says so. */
class ManualTimer implements UiTimer {
  private waiting: (() => void)[] = [];
  requested: number[] = [];
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.requested.push(ms);
    return new Promise((resolve) => {
      if (!signal.aborted) this.waiting.push(resolve);
    });
  }
  fire(): void {
    this.waiting.splice(0).forEach((r) => r());
  }
}

const answering = (response: UiResponse, seen: UiRequest[] = []): UiHandler => async (r) => {
  seen.push(r);
  return response;
};
const never: UiHandler = (_r, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));

function executor(handler: UiHandler, timer?: UiTimer) {
  const tree = sampleTree();
  return { tree, ex: new CommandExecutor({ tree, ui: createUiRunner(handler, timer) }) };
}

describe('user interaction (section 10)', () => {
  it('DM-PRO-C-007, DM-PRO-UI-C-001: Display shows the second Item and answers 200', async () => {
    const seen: UiRequest[] = [];
    const timer = new ManualTimer();
    const { ex } = executor(answering({ kind: 'ok' }, seen), timer);
    const pending = ex.runPackage([c.alert(1100, 'MINDT=10', 'Hello')], 'srv1');
    await new Promise((r) => setImmediate(r));
    timer.fire();
    expect(codes(await pending)).toEqual(['Alert:200']);
    expect(seen[0]).toMatchObject({ kind: 'display', text: 'Hello', options: { minDisplayTime: 10 } });
  });

  it('DM-PRO-UI-C-002: Confirm answers 200 for Yes, 304 for No; in SyncBody No changes nothing else', async () => {
    expect(codes(await executor(answering({ kind: 'yes' })).ex.runPackage([c.alert(1101, undefined, 'Add it?')], 'srv1'))).toEqual(['Alert:200']);
    const { ex } = executor(answering({ kind: 'no' }));
    expect(codes(await ex.runPackage([c.alert(1101, '', 'Add it?'), c.add('./A/n', '1')], 'srv1'))).toEqual(['Alert:304', 'Add:201']);
  });

  it('DM-PRO-UI-C-002: No inside an Atomic fails it and rolls back; inside a Sequence it bypasses the rest (215)', async () => {
    const { ex, tree } = executor(answering({ kind: 'no' }));
    const before = JSON.stringify(tree.image());
    expect(codes(await ex.runPackage([c.atomic(c.add('./A/n', '1'), c.alert(1101, '', 'Sure?'))], 'srv1'))).toEqual(['Atomic:507', 'Add:216', 'Alert:304']);
    expect(JSON.stringify(tree.image())).toBe(before);
    expect(codes(await ex.runPackage([c.sequence(c.alert(1101, '', 'Sure?'), c.replace('./A/x', '9')), c.add('./A/m', '1')], 'srv1'))).toEqual(['Sequence:200', 'Alert:304', 'Replace:215', 'Add:201']);
    expect(tree.value('./A/x')).toBe('42');
  });

  it('DM-PRO-UI-C-003: Text input answers 200 with the text in an Item; MAXLEN, IT and ET reach the handler', async () => {
    const seen: UiRequest[] = [];
    const { ex } = executor(answering({ kind: 'text', text: 'CNN and more' }, seen));
    const answers = await ex.runPackage([c.alert(1102, 'MAXLEN=3&IT=A&ET=P', 'Service?')], 'srv1');
    expect(codes(answers)).toEqual(['Alert:200']);
    expect(answers[0]!.statusItems).toEqual([{ data: 'CNN' }]);
    expect(seen[0]!.options).toMatchObject({ maxLength: 3, inputType: 'A', echoType: 'P' });
  });

  it('DM-PRO-UI-C-004, DM-PRO-UI-C-006: Single choice numbers the items from 1 in the order sent and returns the one picked', async () => {
    const seen: UiRequest[] = [];
    const timer = new ManualTimer();
    const { ex } = executor(answering({ kind: 'chosen', choices: [2] }, seen), timer);
    const pending = ex.runPackage([c.alert(1103, 'MINDT=10', 'Select service', 'CNN', 'Mobilbank', 'Game Channel')], 'srv1');
    await new Promise((r) => setImmediate(r));
    timer.fire();
    const answers = await pending;
    expect(seen[0]).toMatchObject({ kind: 'single', text: 'Select service', choices: ['CNN', 'Mobilbank', 'Game Channel'] });
    expect(answers[0]!.statusItems).toEqual([{ data: '2' }]);
  });

  it('DM-PRO-UI-C-005, DM-PRO-UI-C-006: Multiple choice returns each item picked; DR=2-3 preselects', async () => {
    const seen: UiRequest[] = [];
    const { ex } = executor(answering({ kind: 'chosen', choices: [3, 2] }, seen));
    const answers = await ex.runPackage([c.alert(1104, 'DR=2-3', 'Select', 'CNN', 'Mobilbank', 'Game Channel')], 'srv1');
    expect(seen[0]).toMatchObject({ kind: 'multiple', defaults: [2, 3] });
    expect(answers[0]!.statusItems).toEqual([{ data: '3' }, { data: '2' }]);
  });

  it('cancel answers 214 and every command not yet run 215', async () => {
    const { ex } = executor(answering({ kind: 'cancel' }));
    expect(codes(await ex.runPackage([c.add('./A/a', '1'), c.alert(1101, '', 'Go?'), c.add('./A/b', '1'), c.atomic(c.add('./A/c', '1'))], 'srv1'))).toEqual([
      'Add:201', 'Alert:214', 'Add:215', 'Atomic:215', 'Add:215',
    ]);
  });

  it('MAXDT: no answer in time is 408, or the default response when DR gives one', async () => {
    const timer = new ManualTimer();
    const { ex } = executor(never, timer);
    const pending = ex.runPackage([c.alert(1101, 'MAXDT=20', 'Go?')], 'srv1');
    await new Promise((r) => setImmediate(r));
    expect(timer.requested).toEqual([20_000]);
    timer.fire();
    expect(codes(await pending)).toEqual(['Alert:408']);
    for (const [alert, items, want] of [
      [1101, ['MAXDT=5&DR=0', 'Go?'], 304],
      [1101, ['MAXDT=5&DR=1', 'Go?'], 200],
      [1100, ['MAXDT=5', 'Hi'], 200],
      [1102, ['MAXDT=5&DR=John+Doe', 'Name?'], 200],
    ] as const) {
      const p = ex.runPackage([c.alert(alert, ...items)], 'srv1');
      await new Promise((r) => setImmediate(r));
      timer.fire();
      const [a] = await p;
      expect(a!.status, items[0]).toBe(want);
      if (alert === 1102) expect(a!.statusItems).toEqual([{ data: 'John Doe' }]);
    }
  });

  it('MINDT (10.3.1): the answer waits until the interaction was shown that long, at most MAXDT; a simulator may leave it out', async () => {
    const timer = new ManualTimer();
    const { ex } = executor(answering({ kind: 'yes' }), timer);
    let done = false;
    const pending = ex.runPackage([c.alert(1101, 'MINDT=10', 'Go?')], 'srv1').then((a) => ((done = true), a));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(timer.requested).toEqual([10_000]);
    expect(done).toBe(false);
    timer.fire();
    expect(codes(await pending)).toEqual(['Alert:200']);
    // MINDT above MAXDT waits MAXDT only.
    const capped = ex.runPackage([c.alert(1100, 'MINDT=30&MAXDT=5', 'Hi')], 'srv1');
    await new Promise((r) => setImmediate(r));
    expect(timer.requested.slice(1)).toEqual([5_000, 5_000]);
    timer.fire();
    expect(codes(await capped)).toEqual(['Alert:200']);
    // Left out: no wait at all.
    const quick = new ManualTimer();
    const tree = sampleTree();
    const fast = new CommandExecutor({ tree, ui: createUiRunner(answering({ kind: 'yes' }), quick, { minDisplayTime: false }) });
    expect(codes(await fast.runPackage([c.alert(1101, 'MINDT=10', 'Go?')], 'srv1'))).toEqual(['Alert:200']);
    expect(quick.requested).toEqual([]);
  });

  it('options: unknown ones and ones not for this alert are skipped without error', () => {
    expect(parseUiOptions('MAXDT=30&DR=1&FOO=bar&MAXLEN=4', 1101)).toEqual({ maxDisplayTime: 30, defaultResponse: '1', skipped: ['FOO', 'MAXLEN'] });
    expect(parseUiOptions('MINDT=x&IT=Q&ET=P', 1102)).toEqual({ echoType: 'P', skipped: ['MINDT', 'IT'] });
    expect(parseUiOptions(undefined, 1100)).toEqual({ skipped: [] });
  });

  it('a malformed UI alert answers 400; UI alerts without a handler, and other alerts, 406', async () => {
    const { ex } = executor(answering({ kind: 'ok' }));
    expect(codes(await ex.runPackage([c.alert(1101, 'MAXDT=3')], 'srv1'))).toEqual(['Alert:400']);
    expect(codes(await ex.runPackage([c.alert(1103, '', 'Title')], 'srv1'))).toEqual(['Alert:400']);
    const bare = new CommandExecutor({ tree: sampleTree() });
    expect(codes(await bare.runPackage([c.alert(1100, '', 'Hi'), c.alert(1201)], 'srv1'))).toEqual(['Alert:406', 'Alert:406']);
  });

  it('the auto-answer handler takes DR first, then its policy', async () => {
    const h = autoAnswer({ confirm: false, input: 'auto', choose: [2] });
    const req = (code: number, ...items: string[]) => parseUiAlert(c.alert(code, ...items));
    const signal = new AbortController().signal;
    expect(await h(req(1101, '', 'Go?'), signal)).toEqual({ kind: 'no' });
    expect(await h(req(1101, 'DR=1', 'Go?'), signal)).toEqual({ kind: 'yes' });
    expect(await h(req(1102, '', 'Name?'), signal)).toEqual({ kind: 'text', text: 'auto' });
    expect(await h(req(1104, '', 'Pick', 'a', 'b'), signal)).toEqual({ kind: 'chosen', choices: [2] });
    expect(await autoAnswer({ confirm: 'cancel' })(req(1101, '', 'Go?'), signal)).toEqual({ kind: 'cancel' });
  });

  it('the terminal handler asks on streams and reads the answers', async () => {
    const ask = async (code: number, items: string[], typed: string) => {
      const input = new PassThrough();
      const output = new PassThrough();
      let shown = '';
      output.on('data', (d: Buffer) => (shown += d.toString()));
      const p = terminalHandler({ input, output })(parseUiAlert(c.alert(code, ...items)), new AbortController().signal);
      input.write(typed);
      return { answer: await p, shown };
    };
    expect((await ask(1101, ['', 'Install?'], 'y\n')).answer).toEqual({ kind: 'yes' });
    expect((await ask(1101, ['', 'Install?'], 'maybe\nn\n')).answer).toEqual({ kind: 'no' });
    expect((await ask(1101, ['DR=1', 'Install?'], '\n')).answer).toEqual({ kind: 'yes' });
    expect((await ask(1102, ['', 'Name?'], 'Ada\n')).answer).toEqual({ kind: 'text', text: 'Ada' });
    const choice = await ask(1104, ['', 'Pick', 'red', 'green', 'blue'], '3, 1\n');
    expect(choice.answer).toEqual({ kind: 'chosen', choices: [3, 1] });
    expect(choice.shown).toContain('1. red\n  2. green\n  3. blue');
    expect((await ask(1103, ['', 'Pick', 'red', 'green'], 'c\n')).answer).toEqual({ kind: 'cancel' });
    expect((await ask(1100, ['', 'Hello there'], '')).shown).toContain('Hello there');
  });
});
