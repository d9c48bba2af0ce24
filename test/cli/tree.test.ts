/** `omadm tree show|get|set FILE ...` on a tree file of the file store. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeviceTree } from '../../src/client/objects/device-tree.js';
import { FileTreeStore } from '../../src/client/store/file-store.js';
import { StepClock } from '../client/helpers.js';
import { cli } from './helpers.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omadm-tree-'));
  file = join(dir, 'tree.json');
  const tree = createDeviceTree({
    clock: new StepClock(),
    devInfo: { devId: 'IMEI:9', man: 'ACME', mod: 'R3', dmV: '1.3', lang: 'en' },
    devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1', swV: '1', hwV: '1', lrgObj: true, uri: { maxDepth: 8, maxTotLen: 200, maxSegLen: 32 } },
    accounts: [{ node: 'srv', serverId: 'srv', addr: 'http://127.0.0.1/dm', client: { type: 'DIGEST', name: 'dev', secret: 'top-secret' } }],
  });
  new FileTreeStore(file).commit(tree.takeChanges());
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('omadm tree', () => {
  it('show prints every node with its value, Format and ACL, and never a secret', async () => {
    const r = await cli(['tree', 'show', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('./DevInfo/Mod = "R3" (chr');
    expect(r.stdout).toContain('./DMAcc/srv/AppAuth/1/AAuthSecret = (secret, not shown)');
    expect(r.stdout).not.toContain('top-secret');
    for (const uri of ['./DMAcc/srv/AppAuth/1/AAuthSecret', './DMAcc/srv?list=StructData', './DMAcc/srv?list=TNDS+Value', './DMAcc/srv?list=TNDS+ACL+Format+Value']) {
      const got = await cli(['tree', 'get', file, uri]);
      expect(got.code, uri).toBe(0);
      expect(got.stdout, uri).not.toContain('top-secret');
      expect(got.stdout, uri).toContain('(secret, not shown)');
    }
    const sub = await cli(['tree', 'show', file, './DevInfo']);
    expect(sub.stdout.split('\n')[0]).toMatch(/^\.\/DevInfo \(node/);
    expect(sub.stdout).not.toContain('DevDetail');
  });

  it('get prints a value, child names, a property; set writes a checked value', async () => {
    expect(await cli(['tree', 'get', file, './DevInfo/DevId'])).toMatchObject({ code: 0, stdout: 'IMEI:9\n' });
    expect((await cli(['tree', 'get', file, './DevInfo/Mod?prop=Format'])).stdout).toBe('chr\n');
    expect((await cli(['tree', 'get', file, './DevInfo'])).stdout).toContain('DevId');
    expect((await cli(['tree', 'set', file, './App/Level', '7', '--format', 'int'])).code).toBe(0);
    expect((await cli(['tree', 'get', file, './App/Level'])).stdout).toBe('7\n');
    const bad = await cli(['tree', 'set', file, './App/Level', 'seven']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^omadm tree set: /);
    expect(readFileSync(file, 'utf8')).not.toContain('seven');
    expect((await cli(['tree', 'get', file, './Nope'])).code).toBe(1);
  });

  it('usage errors exit 2: no such file, missing arguments, unknown sub-verb', async () => {
    expect((await cli(['tree', 'show', join(dir, 'missing.json')])).code).toBe(2);
    expect((await cli(['tree', 'get', file])).code).toBe(2);
    expect((await cli(['tree', 'set', file, './A'])).code).toBe(2);
    expect((await cli(['tree', 'drop', file])).code).toBe(2);
  });
});
