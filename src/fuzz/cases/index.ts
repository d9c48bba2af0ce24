/** Every case of `omadm fuzz server`, sanity first, then by section. */
import type { FuzzCase } from '../case.js';
import { authCases } from './auth.js';
import { largeObjectCases } from './large-object.js';
import { multipleMessageCases } from './multiple-messages.js';
import { robustnessCases } from './robustness.js';
import { sanity, sessionCases } from './session.js';
import { uiCases } from './ui.js';

export { sanity };

export const serverCases: readonly FuzzCase[] = [sanity, ...multipleMessageCases.filter((c) => c.section === '5.1'), ...sessionCases, ...multipleMessageCases.filter((c) => c.section !== '5.1'), ...largeObjectCases, ...authCases, ...uiCases, ...robustnessCases].sort(
  (a, b) => (a.kind === 'sanity' ? -1 : b.kind === 'sanity' ? 1 : compareIds(a.id, b.id)),
);

/** By section (6 < 6.1.2 < 6.4 < 7.2 < 10.2, numerically), then by number within it. */
export function compareIds(a: string, b: string): number {
  const [, sa = '', na = ''] = a.split('/');
  const [, sb = '', nb = ''] = b.split('/');
  const xa = sa.split('.').map(Number);
  const xb = sb.split('.').map(Number);
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const d = (xa[i] ?? -1) - (xb[i] ?? -1);
    if (d !== 0) return d;
  }
  return Number(na) - Number(nb);
}

export function findCase(id: string): FuzzCase | undefined {
  return serverCases.find((c) => c.id === id);
}
