import { describe, expect, it } from 'vitest';
import { createDeviceTree } from '../../src/client/objects/device-tree.js';
import { acceptNotification } from '../../src/client/package-zero.js';
import { isNotificationError } from '../../src/notification/errors.js';
import { buildTrigger, triggerDigest } from '../../src/notification/trigger.js';
import { StepClock } from './helpers.js';

const nonce = Buffer.from('server-nonce');
const tree = createDeviceTree({
  clock: new StepClock(),
  devInfo: { devId: 'IMEI:1', man: 'M', mod: 'X', dmV: '1.3', lang: 'en' },
  devDetail: { devTyp: 'phone', oem: 'M', fwV: '1', swV: '1', hwV: '1', lrgObj: true, uri: { maxDepth: 0, maxTotLen: 0, maxSegLen: 0 } },
  accounts: [
    { node: 'a', serverId: 'srv-a', addr: 'http://127.0.0.1/dm', server: { type: 'DIGEST', name: 'srv-a', secret: 'pw-a', nonce: nonce.toString('base64') } },
    { node: 'c', serverId: 'srv-c', addr: 'http://127.0.0.1/dm', server: { type: 'DIGEST', name: 'c-name', secret: 'pw-c', nonce: nonce.toString('base64') } },
  ],
});

describe('Package#0 on the device (DM-PRO-Session-C-001)', () => {
  it('DM-PRO-Session-C-001: checks the digest against the account of the server named, and asks for session 1200 with its id', () => {
    const bytes = buildTrigger({ version: 13, uiMode: 1, initiator: 1, sessionId: 0x1234, serverId: 'srv-a' }, { password: 'pw-a', nonce });
    expect(acceptNotification(bytes, tree)).toEqual({ alert: 1200, sessionID: '1234', serverId: 'srv-a', uiMode: 1, dmVersion: '1.3', nonceReset: false });
  });

  it('accepts a digest made with the SRVCRED AAuthName instead of the server id', () => {
    const bytes = buildTrigger({ version: 12, uiMode: 0, initiator: 1, sessionId: 7, serverId: 'srv-c' }, { password: 'pw-c', nonce });
    bytes.set(triggerDigest('c-name', { password: 'pw-c', nonce }, bytes.slice(16)), 0);
    expect(acceptNotification(bytes, tree).sessionID).toBe('7');
  });

  it('refuses a trigger from an unknown server, or signed with other credentials', () => {
    const problem = (bytes: Uint8Array) => {
      try {
        acceptNotification(bytes, tree);
      } catch (e) {
        return isNotificationError(e) ? e.problem : 'other';
      }
      return undefined;
    };
    expect(problem(buildTrigger({ version: 13, uiMode: 0, initiator: 1, sessionId: 1, serverId: 'srv-b' }, { password: 'pw-a', nonce }))).toBe('unknown-server');
    expect(problem(buildTrigger({ version: 13, uiMode: 0, initiator: 1, sessionId: 1, serverId: 'srv-a' }, { password: 'guess', nonce }))).toBe('bad-digest');
    expect(problem(buildTrigger({ version: 20, uiMode: 0, initiator: 1, sessionId: 1, serverId: 'srv-a' }, { password: 'pw-a', nonce }))).toBe('bad-field');
  });
});
