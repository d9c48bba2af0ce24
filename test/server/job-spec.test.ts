/** Jobs as they come from the API and the CLI: what parseJobSpec takes and what it refuses, by field. */
import { describe, expect, it } from 'vitest';
import { uiOptionUse, AlertCode, type UiOption } from '../../generated/codes.js';
import { JOB_LIMITS, isStoreInputError, parseJobSpec, type JobSpec } from '../../src/server/store/index.js';

function refusal(value: unknown): string {
  try {
    parseJobSpec(value);
  } catch (e) {
    if (isStoreInputError(e)) return e.field;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('job specs', () => {
  it('takes every kind of job and gives it back unchanged', () => {
    const specs: JobSpec[] = [
      { op: 'get', uris: ['./DevInfo', './DevDetail/SwV'] },
      { op: 'replace', items: [{ uri: './A', data: 'true', format: 'bool' }] },
      { op: 'add', items: [{ uri: './B', data: 'PGE+', format: 'b64', type: 'application/octet-stream' }, { uri: './C', format: 'node' }] },
      { op: 'delete', uris: ['./B'] },
      { op: 'exec', uri: './FUMO/DownloadAndUpdate', data: 'now', correlator: 'abc' },
      { op: 'copy', items: [{ source: './A', target: './A2' }] },
      { op: 'atomic', steps: [{ op: 'add', items: [{ uri: './X', data: '1', format: 'int' }] }, { op: 'sequence', steps: [{ op: 'get', uris: ['./X'] }] }] },
      { op: 'ui', code: AlertCode.Display, text: 'Hello', options: { MINDT: '3', MAXDT: '30' } },
      { op: 'ui', code: AlertCode.TextInput, text: 'PIN?', options: { MAXLEN: '4', IT: 'N', ET: 'P', DR: '0000' } },
      { op: 'ui', code: AlertCode.MultipleChoice, text: 'Which?', choices: ['a', 'b', 'c'], options: { DR: '1-2' } },
    ];
    for (const spec of specs) expect(parseJobSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('takes numbers for UI options and keeps them as text', () => {
    expect(parseJobSpec({ op: 'ui', code: AlertCode.Display, text: 'x', options: { MINDT: 5 } })).toEqual({ op: 'ui', code: 1100, text: 'x', options: { MINDT: '5' } });
  });

  it('names the field of every refusal', () => {
    expect(refusal(null)).toBe('spec');
    expect(refusal({ op: 'put', uris: ['./A'] })).toBe('spec.op');
    expect(refusal({ op: 'get', uris: [] })).toBe('spec.uris');
    expect(refusal({ op: 'get', uris: ['./A', ''] })).toBe('spec.uris[1]');
    expect(refusal({ op: 'get', uris: ['./A'], extra: 1 })).toBe('spec.extra');
    expect(refusal({ op: 'replace', items: [{ uri: './A', data: 1 }] })).toBe('spec.items[0].data');
    expect(refusal({ op: 'replace', items: [{ uri: './A', format: 'Chr' }] })).toBe('spec.items[0].format');
    expect(refusal({ op: 'copy', items: [{ source: './A' }] })).toBe('spec.items[0].target');
    expect(refusal({ op: 'exec', uri: './A', correlator: 7 })).toBe('spec.correlator');
    expect(refusal({ op: 'sequence', steps: [{ op: 'get', uris: ['./A'] }, { op: 'nope' }] })).toBe('spec.steps[1].op');
    expect(refusal({ op: 'sequence', steps: [{ op: 'get', uris: ['./A'] }, { op: 'sequence', steps: [{ op: 'get', uris: ['./A'] }] }] })).toBe('spec.steps[1]');
    expect(refusal({ op: 'ui', code: 1200, text: 'x' })).toBe('spec.code');
    expect(refusal({ op: 'ui', code: 1101, text: '' })).toBe('spec.text');
    expect(refusal({ op: 'ui', code: 1101, text: 'x', options: { XYZ: '1' } })).toBe('spec.options.XYZ');
    expect(refusal({ op: 'ui', code: 1101, text: 'x', options: { MINDT: 'soon' } })).toBe('spec.options.MINDT');
    expect(refusal({ op: 'ui', code: 1102, text: 'x', options: { IT: 'Q' } })).toBe('spec.options.IT');
    expect(refusal({ op: 'ui', code: 1103, text: 'x' })).toBe('spec.choices');
    expect(refusal({ op: 'ui', code: 1101, text: 'x', choices: ['a'] })).toBe('spec.choices');
  });

  it('applies each UI option only to the alerts the protocol gives it (from the generated table)', () => {
    for (const [name, use] of Object.entries(uiOptionUse) as [UiOption, (typeof uiOptionUse)[UiOption]][]) {
      const value = use.value === 'text' ? 'x' : use.value.includes('|') ? use.value.split('|')[0]! : '1';
      for (const code of [1100, 1101, 1102, 1103, 1104]) {
        const spec = { op: 'ui', code, text: 't', options: { [name]: value }, ...(code >= 1103 ? { choices: ['a'] } : {}) };
        if (use.alerts.includes(code)) expect(parseJobSpec(spec)).toMatchObject({ options: { [name]: value } });
        else expect(refusal(spec)).toBe(`spec.options.${name}`);
      }
    }
  });

  it('bounds nesting and size, so a job cannot grow without bound', () => {
    let deep: unknown = { op: 'get', uris: ['./A'] };
    for (let i = 0; i < JOB_LIMITS.depth; i++) deep = { op: 'atomic', steps: [deep] };
    expect(refusal(deep)).toMatch(/^spec(\.steps\[0\])*$/);
    expect(refusal({ op: 'get', uris: Array.from({ length: JOB_LIMITS.items + 1 }, () => './A') })).toBe('spec.uris');
    const wide = { op: 'sequence', steps: Array.from({ length: 200 }, () => ({ op: 'atomic', steps: [{ op: 'get', uris: ['./A'] }] })) };
    expect(refusal(wide)).toMatch(/^spec\.steps\[\d+\]/);
    expect(refusal({ op: 'get', uris: ['./' + 'a'.repeat(JOB_LIMITS.uri)] })).toBe('spec.uris[0]');
  });
});
