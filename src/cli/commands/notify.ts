/** `omadm notify DEVICE -o FILE`: the Package#0 (server notification) of a device of the server's database. */
import { Initiator, UiMode } from '../../notification/index.js';
import { buildDeviceNotification, DEFAULT_ANNOUNCEMENT_TTL_MS, isNotifyError, recordAnnouncement } from '../../server/notify/index.js';
import { isStoreNotFoundError } from '../../server/store/index.js';
import { ExitCode, UsageError, refuseBinaryToTerminal, writeOutput } from '../command.js';
import { DB_FLAGS, DB_HELP, openDb, parseDb } from '../db-option.js';
import { choiceParser, defineVerb, valueParser, verbCommand } from '../verb.js';

const UI_MODES = { 'not-specified': UiMode.NotSpecified, background: UiMode.Background, informative: UiMode.Informative, ui: UiMode.UserInteraction } as const;
const UI_NAMES = Object.keys(UI_MODES) as (keyof typeof UI_MODES)[];
const INITIATORS = { client: Initiator.Client, server: Initiator.Server } as const;

const parseSessionId = valueParser('--session-id', 'a number from 0 to 65535 (decimal, or hex as 0x4F2A)', (v) => {
  if (!/^(?:[0-9]{1,5}|0x[0-9a-fA-F]{1,4})$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 0xffff ? n : undefined;
});

const parseVendor = valueParser('--vendor', 'hex bytes (at most 200)', (v) => (/^(?:[0-9a-fA-F]{2}){1,200}$/.test(v) ? new Uint8Array(Buffer.from(v, 'hex')) : undefined));

const YEAR_SECONDS = 366 * 24 * 3600;
const parseExpectFor = valueParser('--expect-for', `a number of seconds from 1 to ${YEAR_SECONDS}`, (v) => {
  if (!/^[0-9]{1,8}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= YEAR_SECONDS ? n : undefined;
});

export default defineVerb({
  summary: 'Write the Package#0 notification of a device',
  command: () =>
    verbCommand(
      'notify',
      `Builds the Package#0 (application/vnd.syncml.notification) that asks DEVICE to open a DM session, from what the server's database keeps of it: the digest is made with the server id and server secret of the device and the nonce the device gave (the all-zero nonce when none is stored), and announces the session id the device is to use, which is recorded in the database so the server expects it. Writes the bytes to FILE, for a push or SMS bearer to carry.`,
    )
      .usage('[options] DEVICE -o FILE')
      .argument('<DEVICE>')
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--ui-mode <MODE>', `User interaction the device is asked for: ${UI_NAMES.join(', ')} (default not-specified)`, choiceParser('--ui-mode', UI_NAMES))
      .option('--initiator <WHO>', 'Who the session is said to start from: client or server (default server)', choiceParser('--initiator', ['client', 'server'] as const))
      .option('--session-id <N>', 'The session id to announce, 0-65535 (default: a random one)', parseSessionId)
      .option('--dm-version <V>', 'The DM version of the trigger: 1.2 or 1.3 (default 1.3)', choiceParser('--dm-version', ['1.2', '1.3'] as const))
      .option('--vendor <HEX>', 'Vendor-specific bytes after the server id, as hex', parseVendor)
      .option('--expect-for <SECONDS>', `How long the server expects the announced session (default ${DEFAULT_ANNOUNCEMENT_TTL_MS / 1000})`, parseExpectFor)
      .option('-o, --output <FILE>', "Write to FILE ('-': standard output, not a terminal)"),
  epilogue: `Prints what it announced (the SessionID of the device's Package#1 and the
nonce used) on standard output, or on standard error when the bytes go there.
Exit status: 0 written; 1 unknown device, a device without server credentials,
or a database that cannot be opened; 2 usage error or unwritable output file.`,
  async run([deviceId], options, io) {
    if (options.output === undefined) throw new UsageError("missing option '-o FILE' (the notification is binary)");
    refuseBinaryToTerminal(io, options.output);
    let store;
    try {
      store = await openDb(options);
    } catch (e) {
      io.stderr(`omadm notify: cannot open the database: ${e instanceof Error ? e.message : String(e)}\n`);
      return ExitCode.invalidInput;
    }
    try {
      const built = await buildDeviceNotification(store, deviceId, {
        uiMode: UI_MODES[options.uiMode ?? 'not-specified'],
        initiator: INITIATORS[options.initiator ?? 'server'],
        ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
        ...(options.dmVersion !== undefined ? { dmVersion: options.dmVersion } : {}),
        ...(options.vendor !== undefined ? { vendor: options.vendor } : {}),
      });
      await writeOutput(io, options.output, built.bytes);
      const now = Date.now();
      await recordAnnouncement(store, built, now, (options.expectFor ?? DEFAULT_ANNOUNCEMENT_TTL_MS / 1000) * 1000);
      const summary = `omadm notify: ${built.bytes.length} bytes for ${deviceId}: session id ${built.sessionId} (SessionID ${built.sessionID}), ${built.nonce === 'stored' ? 'stored nonce' : 'zero nonce (none stored)'}\n`;
      if (options.output === '-') io.stderr(summary);
      else io.stdout(summary);
      return ExitCode.ok;
    } catch (e) {
      if (isStoreNotFoundError(e)) {
        io.stderr(`omadm notify: no device ${JSON.stringify(deviceId)} in the database\n`);
        return ExitCode.invalidInput;
      }
      if (isNotifyError(e)) {
        io.stderr(`omadm notify: ${e.message}\n`);
        return ExitCode.invalidInput;
      }
      throw e;
    } finally {
      await store.close();
    }
  },
});
