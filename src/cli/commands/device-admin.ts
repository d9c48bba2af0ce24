/**
 * `omadm device add|list|show|delete`: the devices of the database `omadm serve` runs on
 * (`--db`). Secrets go in and never come out: `list` and `show` print each side's scheme
 * and name.
 */
import { AUTH_NAMES, type AuthName } from '../../server/store/types.js';
import type { DeviceOverview, PageOf } from '../../server/management/management.js';
import type { DeviceInput, DeviceView } from '../../server/management/schemas.js';
import { ExitCode, UsageError } from '../command.js';
import { secretOption } from '../secret-option.js';
import { DB_FLAGS, DB_HELP, parseDb } from '../db-option.js';
import { JOB_COLUMNS, alertName, jobRow, limitHelp, nextPageLine, runAndPrint, withManagement } from '../admin.js';
import { cell, fields, table, tableOrNone, when } from '../table.js';
import { choiceParser, defineVerb, positiveIntegerParser, valueParser, verbCommand } from '../verb.js';

/** The device fields as `device add` names them on its command line. */
const ADD_FLAGS: Record<string, string> = {
  id: 'ID',
  serverId: '--server-id',
  'client.scheme': '--auth',
  'client.name': '--client-name',
  'client.secret': '--client-secret',
  'server.scheme': '--server-auth',
  'server.name': '--server-name',
  'server.secret': '--server-secret',
  acceptedClientSchemes: '--accept',
};

const parseSchemes = valueParser('--accept', 'a comma-separated list of none, basic, md5, hmac', (v) => {
  const list = v.split(',').map((s) => s.trim());
  return list.every((s) => (AUTH_NAMES as readonly string[]).includes(s)) ? (list as AuthName[]) : undefined;
});

function credentialsText(c: DeviceView['client']): string {
  return c.name === undefined ? c.scheme : `${c.scheme} (name ${c.name})`;
}

const DEVICE_COLUMNS = ['ID', 'SERVER ID', 'CLIENT AUTH', 'SERVER AUTH', 'ADDED'];

function deviceRow(d: DeviceView): string[] {
  return [d.id, d.serverId, credentialsText(d.client), credentialsText(d.server), when(d.createdAt)];
}

/** The command line of a verb on one device: `omadm device NAME [options] ID`. */
function oneDevice(name: string, description: string) {
  return verbCommand(name, description, 'device').usage('[options] ID').argument('<ID>');
}

/** `device show` as text: the device, then its sessions, jobs and alerts, a table each. */
function overviewText(view: DeviceOverview): string {
  const d = view.device;
  const device = fields([
    ['device', d.id],
    ['server id', d.serverId],
    ['client auth', credentialsText(d.client)],
    ['server auth', credentialsText(d.server)],
    ['also accepts', d.acceptedClientSchemes.length > 0 ? d.acceptedClientSchemes.join(', ') : undefined],
    ['added', when(d.createdAt)],
    ['changed', d.updatedAt !== d.createdAt ? when(d.updatedAt) : undefined],
  ]);
  const sessions = tableOrNone(
    '(none)',
    ['REF', 'SESSION ID', 'STARTED', 'LAST MESSAGE', 'OUTCOME'],
    view.sessions.map((s) => [String(s.ref), cell(s.sessionId, 20), when(s.startedAt), when(s.lastActivity), s.live ? 'live' : (s.outcome ?? '-')]),
  );
  const jobs = tableOrNone('(none)', JOB_COLUMNS, view.jobs.map((j) => jobRow(j, 40)));
  const alerts = tableOrNone(
    '(none)',
    ['ID', 'CODE', 'RECEIVED', 'CORRELATOR', 'MARK', 'DATA'],
    view.alerts.map((a) => [String(a.id), alertName(a.code), when(a.receivedAt), a.correlator ?? '-', a.mark ?? '-', cell(a.items.map((i) => i.data ?? '').join(' '))]),
  );
  return `${device}\nSessions\n${sessions}\nJobs\n${jobs}\nAlerts\n${alerts}`;
}

export const add = defineVerb({
  summary: 'Add a device with its credentials',
  command: () =>
    verbCommand(
      'add',
      `Adds the device ID (the LocURI of its Source, e.g. IMEI:493005100592800) to the database, with the credentials each side proves itself with. --auth is how the device authenticates to the server (its AAuthName/AAuthSecret: --client-name, --client-secret); --server-auth how the server authenticates to the device (default: the same scheme as --auth; its name defaults to the server id). Every scheme but none needs a secret on its side. Secrets are never printed.`,
      'device',
    )
      .usage('[options] ID --server-id SID --auth none|basic|md5|hmac')
      .argument('<ID>')
      .option('--server-id <SID>', 'The server id the device knows this server by (DMAcc ServerID)')
      .option('--auth <SCHEME>', 'How the device authenticates: none, basic, md5 or hmac', choiceParser('--auth', AUTH_NAMES))
      .option('--client-name <NAME>', "The device's name (AAuthName)")
      .option('--client-secret <SECRET>', "The device's secret (AAuthSecret)")
      .option('--client-secret-file <FILE>', "Read the device's secret from FILE ('-': stdin), not the command line")
      .option('--server-auth <SCHEME>', 'How the server authenticates (default: --auth)', choiceParser('--server-auth', AUTH_NAMES))
      .option('--server-name <NAME>', "The server's name towards the device (default: --server-id)")
      .option('--server-secret <SECRET>', "The server's secret")
      .option('--server-secret-file <FILE>', "Read the server's secret from FILE ('-': stdin)")
      .option('--accept <SCHEMES>', 'Other schemes the device may use instead of --auth, in order of preference (AAuthPref)', parseSchemes)
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print the device as JSON'),
  epilogue: `Exit status: 0 added; 1 refused (the id exists, a value is too long) or the
database cannot be opened; 2 usage error.`,
  async run([id], options, io) {
    const clientSecret = await secretOption(io, options.clientSecret, options.clientSecretFile, '--client-secret');
    const serverSecret = await secretOption(io, options.serverSecret, options.serverSecretFile, '--server-secret');
    const o = { ...options, clientSecret, serverSecret };
    if (o.serverId === undefined) throw new UsageError("option '--server-id' is required");
    if (o.auth === undefined) throw new UsageError("option '--auth' is required");
    if (o.auth !== 'none' && (o.clientName === undefined || o.clientSecret === undefined)) {
      throw new UsageError(`--auth ${o.auth} needs --client-name and --client-secret (or --client-secret-file)`);
    }
    if (o.auth === 'none' && (o.clientName !== undefined || o.clientSecret !== undefined)) throw new UsageError('--auth none takes no --client-name or --client-secret');
    const serverScheme = o.serverAuth ?? o.auth;
    if (serverScheme !== 'none' && o.serverSecret === undefined) {
      throw new UsageError(`the server authenticates with ${serverScheme}${o.serverAuth === undefined ? ' (the scheme of --auth)' : ''}: give --server-secret (or --server-secret-file), or --server-auth none`);
    }
    if (serverScheme === 'none' && (o.serverSecret !== undefined || o.serverName !== undefined)) throw new UsageError('--server-auth none takes no --server-secret or --server-name');
    const input: DeviceInput = {
      id,
      serverId: o.serverId,
      client: { scheme: o.auth, ...(o.clientName !== undefined ? { name: o.clientName } : {}), ...(o.clientSecret !== undefined ? { secret: o.clientSecret } : {}) },
      server: { scheme: serverScheme, ...(o.serverName !== undefined ? { name: o.serverName } : {}), ...(o.serverSecret !== undefined ? { secret: o.serverSecret } : {}) },
      ...(o.accept !== undefined ? { acceptedClientSchemes: o.accept } : {}),
    };
    const text = (d: DeviceView): string => `added device ${d.id}: client ${credentialsText(d.client)}, server ${credentialsText(d.server)}\n`;
    return runAndPrint('device add', o, io, (m) => m.addDevice(input), text, (field) => ADD_FLAGS[field]);
  },
});

export const list = defineVerb({
  summary: 'List the devices',
  command: () =>
    verbCommand('list', 'Lists the devices of the database, by id: their server id and the scheme and name each side authenticates with.', 'device')
      .usage('[options]')
      .option('--limit <N>', limitHelp('devices'), positiveIntegerParser('--limit'))
      .option('--after <ID>', 'Devices whose id sorts after ID (the next page)')
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print JSON instead of a table'),
  epilogue: `Exit status: 0 listed; 1 the database cannot be opened; 2 usage error.`,
  async run(_args, o, io) {
    const page = { ...(o.limit !== undefined ? { limit: o.limit } : {}), ...(o.after !== undefined ? { after: o.after } : {}) };
    const text = (p: PageOf<DeviceView, string>): string => table(DEVICE_COLUMNS, p.items.map(deviceRow)) + nextPageLine('--after', p.next);
    return runAndPrint('device list', o, io, (m) => m.listDevices(page), text);
  },
});

export const show = defineVerb({
  summary: 'Show a device with its sessions, jobs and alerts',
  command: () =>
    oneDevice('show', 'Shows the device ID: its credentials (scheme and name, never the secret), its latest sessions, its jobs (still to do, then results) and the alerts it sent.')
      .option('--limit <N>', 'At most N sessions, jobs and alerts each (default 10)', positiveIntegerParser('--limit'))
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--json', 'Print JSON instead of text'),
  epilogue: `Exit status: 0 shown; 1 no such device, or the database cannot be
opened; 2 usage error.`,
  async run([id], o, io) {
    return runAndPrint('device show', o, io, (m) => m.deviceOverview(id, o.limit ?? 10), overviewText);
  },
});

export const remove = defineVerb({
  summary: 'Delete a device with everything it has',
  command: () => oneDevice('delete', 'Deletes the device ID with its sessions, transcripts, jobs, results, alerts and nonces.').option(DB_FLAGS, DB_HELP, parseDb),
  epilogue: `Exit status: 0 deleted; 1 no such device, or the database cannot be
opened; 2 usage error.`,
  async run([id], o, io) {
    return withManagement('device delete', o, io, async (m) => {
      await m.deleteDevice(id);
      io.stdout(`deleted device ${id}\n`);
      return ExitCode.ok;
    });
  },
});

/** The administration verbs of the `device` group, in the order its help lists them. */
export const deviceAdminVerbs = [add, list, show, remove] as const;
