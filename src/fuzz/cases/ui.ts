/** Section 10.2, user interaction alerts the server sends: each carries two or more Items. */
import fc from 'fast-check';
import { defineCase, fail, pass, skip, type FuzzCase } from '../case.js';
import { plainSession, replies } from './common.js';

const UI_ALERTS: readonly number[] = [1100, 1101, 1102, 1103, 1104];

export const uiAlertItems: FuzzCase = defineCase({
  id: 'dm-1.3/10.2/1',
  section: '10.2',
  pro: 'DM-PRO-UI-S-006',
  level: 'MUST',
  kind: 'conformance',
  title: 'a user interaction Alert holds two or more Items (three or more for a choice)',
  requirement: 'All user interaction Alerts contain two or more Item elements.',
  params: fc.constant(null),
  async run(ctx) {
    const played = await plainSession(ctx);
    let seen = 0;
    for (const m of replies(played.exchanges)) {
      for (const c of m.syncBody.commands) {
        if (c.kind !== 'Alert') continue;
        const alert = Number((c.data ?? '').trim());
        if (!UI_ALERTS.includes(alert)) continue;
        seen++;
        const least = alert === 1103 || alert === 1104 ? 3 : 2;
        if (c.items.length < least) return fail(`${least} or more Items in Alert ${alert}`, `Alert ${alert} CmdID ${c.cmdID} in message ${m.syncHdr.msgID} has ${c.items.length}`);
      }
    }
    return seen > 0 ? pass(`${seen} user interaction Alert${seen === 1 ? '' : 's'}`) : skip('the server sent no user interaction Alert in this session');
  },
});

export const uiCases: readonly FuzzCase[] = [uiAlertItems];
