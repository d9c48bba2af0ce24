/**
 * Deterministic benchmark messages, built with the generated builders.
 *
 * The same three shapes serve every codec bench (XML, WBXML), and the session bench queues
 * the same command mix (managementCommand), so their numbers stay comparable. Nothing here
 * is random: the 1 MB payload comes from a fixed-seed generator, so every run encodes
 * byte-identical XML.
 */
import { MessageBuilder, type Item, type Meta, type SyncBodyCommandDraft, type SyncML } from '../src/index.js';

export interface BenchShape {
  /** Key used in the JSON output and in the table. */
  readonly id: string;
  /** One-line description for the table. */
  readonly description: string;
  readonly message: SyncML;
}

export const SERVER_URI = 'https://dm.example.com:8443/omadm/mgmt-server';
export const DEVICE_URI = 'IMEI:493005100592800';

/** A <Meta> value: the typed MetInf always carries its EMI list. */
function meta(fields: Omit<Meta, 'emis'>): Meta {
  return { ...fields, emis: [] };
}

/**
 * Package #1, client to server (~1.7 KB of XML): Alert 1201 (client-initiated session) and
 * a Replace of the DevInfo nodes, with MD5 credentials and MaxMsgSize in the header.
 */
export function package1(): SyncML {
  const devInfo: [string, string][] = [
    ['./DevInfo/DevId', DEVICE_URI],
    ['./DevInfo/Man', 'Device Factory, Inc. (Handsets Division)'],
    ['./DevInfo/Mod', 'SmartPhone2000 Pro (model SP2-4410-EU)'],
    ['./DevInfo/DmV', '1.3.0'],
    ['./DevInfo/Lang', 'en-US'],
  ];
  const items = devInfo.map(
    ([locURI, data]): Item => ({ source: { locURI }, meta: meta({ format: 'chr', type: 'text/plain' }), data }),
  );
  return new MessageBuilder({
    sessionID: '4A1F',
    msgID: '1',
    target: { locURI: SERVER_URI },
    source: { locURI: DEVICE_URI, locName: 'omadm-bench-client' },
    cred: {
      meta: meta({ format: 'b64', type: 'syncml:auth-md5' }),
      // base64 of a 16-byte MD5 digest
      data: 'Zz6EivR3yeaaENcRN6lpAQ==',
    },
    meta: meta({ maxMsgSize: '10000', maxObjSize: '1048576' }),
  })
    .alert({ data: '1201', items: [] })
    .replace({ items: items as [Item, ...Item[]] })
    .final()
    .build();
}

/**
 * The `i`-th management command of the bench mix (Get, Replace, Add, Exec, Delete in turn),
 * with targets, command- and item-level Meta, and data. Package #2 carries the first 45;
 * the session suite queues the first 50 on a ServerSession.
 */
export function managementCommand(i: number): SyncBodyCommandDraft {
  const node = `./Vendor/Bench/Settings/Profile${i}`;
  switch (i % 5) {
    case 0:
      return {
        kind: 'Get',
        items: [{ target: { locURI: `${node}/Name` } }, { target: { locURI: `${node}/Address` } }],
      };
    case 1:
      return {
        kind: 'Replace',
        meta: meta({ format: 'chr', type: 'text/plain' }),
        items: [
          { target: { locURI: `${node}/Name` }, data: `Bench profile number ${i}` },
          { target: { locURI: `${node}/Port` }, meta: meta({ format: 'int' }), data: String(8000 + i) },
        ],
      };
    case 2:
      return {
        kind: 'Add',
        items: [
          { target: { locURI: node }, meta: meta({ format: 'node' }) },
          {
            target: { locURI: `${node}/Address` },
            meta: meta({ format: 'chr', type: 'text/plain' }),
            data: `https://svc${i}.example.com/endpoint?id=${i * 37}`,
          },
        ],
      };
    case 3:
      return {
        kind: 'Exec',
        correlator: `corr-${1000 + i}`,
        item: {
          target: { locURI: `./Vendor/Bench/Ops/Op${i}/Run` },
          meta: meta({ format: 'chr', type: 'text/plain' }),
          data: `mode=full;retry=${i % 4}`,
        },
      };
    default:
      return { kind: 'Delete', items: [{ target: { locURI: `${node}/Obsolete` } }] };
  }
}

/** The first `count` commands of the bench mix (see managementCommand). */
export function managementCommands(count: number): SyncBodyCommandDraft[] {
  return Array.from({ length: count }, (_, i) => managementCommand(i));
}

/**
 * Package #2, server to client, with 50 commands: Statuses for the client's header and
 * commands, then the first 45 commands of the bench mix (managementCommand): Get, Replace,
 * Add, Exec and Delete, with targets, command- and item-level Meta, and data.
 */
export function package2(): SyncML {
  const b = new MessageBuilder({
    sessionID: '4A1F',
    msgID: '1',
    target: { locURI: DEVICE_URI },
    source: { locURI: SERVER_URI },
    cred: {
      meta: meta({ format: 'b64', type: 'syncml:auth-md5' }),
      data: 'n8fG0sQ7kR1oXgWm2YbVfA==',
    },
    meta: meta({ maxMsgSize: '10000' }),
  });
  // Statuses answer the client's Package #1 (SyncHdr, Alert, Replace) and two later commands.
  b.status({
    msgRef: '1',
    cmdRef: '0',
    cmd: 'SyncHdr',
    targetRefs: [SERVER_URI],
    sourceRefs: [DEVICE_URI],
    data: '212',
    items: [],
  });
  b.status({ msgRef: '1', cmdRef: '1', cmd: 'Alert', targetRefs: [], sourceRefs: [], data: '200', items: [] });
  b.status({
    msgRef: '1',
    cmdRef: '2',
    cmd: 'Replace',
    targetRefs: [],
    sourceRefs: ['./DevInfo/DevId', './DevInfo/Man', './DevInfo/Mod'],
    data: '200',
    items: [],
  });
  b.status({
    msgRef: '1',
    cmdRef: '3',
    cmd: 'Get',
    targetRefs: ['./DevDetail/SwV'],
    sourceRefs: [],
    data: '200',
    items: [{ source: { locURI: './DevDetail/SwV' }, data: '2.4.17' }],
  });
  b.status({ msgRef: '1', cmdRef: '4', cmd: 'Exec', targetRefs: [], sourceRefs: [], data: '202', items: [] });

  for (let i = 0; b.size < 50; i++) b.command(managementCommand(i));
  return b.final().build();
}

/** Base64-alphabet ASCII text of `length` characters, from a fixed-seed xorshift32. */
export function base64LikeText(length: number, seed = 0x9e3779b9): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const codes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    codes[i] = alphabet.charCodeAt(x & 63);
  }
  return Buffer.from(codes).toString('latin1');
}

export const LARGE_DATA_LENGTH = 1024 * 1024;

/** A Replace with one Item whose Data is 1 MiB of base64-like text. */
export function largeReplace(): SyncML {
  return new MessageBuilder({
    sessionID: '4A20',
    msgID: '3',
    target: { locURI: DEVICE_URI },
    source: { locURI: SERVER_URI },
  })
    .replace({
      items: [
        {
          target: { locURI: './Vendor/Bench/Firmware/Package/Data' },
          meta: meta({ format: 'b64', type: 'application/octet-stream', size: String(LARGE_DATA_LENGTH) }),
          data: base64LikeText(LARGE_DATA_LENGTH),
        },
      ],
    })
    .final()
    .build();
}

export function benchShapes(): BenchShape[] {
  return [
    { id: 'package1', description: 'Package #1: Alert 1201 + Replace of 5 DevInfo nodes, Cred, MaxMsgSize', message: package1() },
    { id: 'package2', description: 'Package #2: 50 commands (Status, Get, Replace, Add, Exec, Delete)', message: package2() },
    { id: 'replace1MB', description: 'Replace with one Item of 1 MiB base64-like Data', message: largeReplace() },
  ];
}
