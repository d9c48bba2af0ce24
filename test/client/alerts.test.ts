import { describe, expect, it } from 'vitest';
import { genericAlert, isAlertType, treeChangeAlert } from '../../src/client/alerts.js';
import { isTreeError } from '../../src/client/tree/errors.js';

describe('client alerts (section 6.7, 6.8)', () => {
  it('DM-PRO-C-011, DM-PRO-GAlert-C-002: a Generic Alert without a management object has no Source', () => {
    expect(genericAlert([{ type: 'Reversed-Domain-Name: org.domain.samplealert', format: 'int', data: '3' }])).toEqual({
      kind: 'Alert',
      data: '1226',
      items: [{ meta: { type: 'Reversed-Domain-Name: org.domain.samplealert', format: 'int', emis: [] }, data: '3' }],
    });
  });

  it('DM-PRO-GAlert-C-001, DM-PRO-GAlert-C-003: with a management object, Source LocURI is its address', () => {
    const a = genericAlert([{ source: './FUMO/Pkg1', type: 'urn:oma:at:fumo:1.0:downloadandupdate', format: 'chr', data: '200' }]);
    expect(a.items?.[0]!.source).toEqual({ locURI: './FUMO/Pkg1' });
  });

  it('DM-PRO-C-010: several alerts travel as items of one Generic Alert, in order', () => {
    const a = genericAlert([
      { type: 'application/x-a', format: 'chr', data: '1' },
      { type: 'application/x-b', format: 'chr', data: '2' },
    ]);
    expect((a.items ?? []).map((i) => i.data)).toEqual(['1', '2']);
  });

  it('DM-PRO-GAlert-C-005: Type must be a URN, a reversed domain name or a MIME type', () => {
    expect(isAlertType('urn:oma:at:dcmo:1.0:operationcomplete')).toBe(true);
    expect(isAlertType('Reversed-Domain-Name: org.openmobilealliance.dm.samplealert')).toBe(true);
    expect(isAlertType('application/samplealert')).toBe(true);
    for (const bad of ['urn:oma:at:dcmo:10:x', 'org.example', '', 'Reversed-Domain-Name: nodots']) expect(isAlertType(bad), bad).toBe(false);
    let status: number | undefined;
    try {
      genericAlert([{ type: 'nonsense', format: 'chr', data: '' }]);
    } catch (e) {
      if (isTreeError(e)) status = e.status;
    }
    expect(status).toBe(400);
  });

  it('DM-PRO-GAlert-C-006: Mark carries the importance level', () => {
    const a = genericAlert([{ type: 'application/x-a', format: 'chr', mark: 'critical', data: 'x' }]);
    expect(a.items?.[0]!.meta!.mark).toBe('critical');
  });

  it('DM-PRO-GAlert-C-004: the Correlator of the Exec is echoed', () => {
    expect(genericAlert([{ type: 'application/x-a', format: 'chr', data: 'x' }], 'abc123').correlator).toBe('abc123');
  });

  it('tree change alerts: 1227 when nothing changed, 1228 with one Source per changed object', () => {
    expect(treeChangeAlert([])).toEqual({ kind: 'Alert', data: '1227', items: [] });
    expect(treeChangeAlert(['./DMAcc/x', './Ext'])).toEqual({ kind: 'Alert', data: '1228', items: [{ source: { locURI: './DMAcc/x' } }, { source: { locURI: './Ext' } }] });
  });
});
