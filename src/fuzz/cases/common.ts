/** What the cases share: a plain session, Generic Alerts, the messages of a session. */
import { AlertCode, Format, type SyncBodyCommandDraft, type SyncML } from '../../index.js';
import type { CaseContext } from '../case.js';
import type { Exchange, PeerSession } from '../peer/client-driver.js';
import { open, packageOne, playOn } from '../peer/play.js';

/** The server's DM messages among `exchanges`, in order. */
export function replies(exchanges: readonly Exchange[]): SyncML[] {
  return exchanges.flatMap((e) => (e.reply.kind === 'message' ? [e.reply.message] : []));
}

/** A Generic Alert (6.7) with `items` items, numbered `n`. */
export function genericAlert(n: number, items = 1): SyncBodyCommandDraft {
  return {
    kind: 'Alert',
    data: String(AlertCode.GenericAlert),
    items: Array.from({ length: items }, (_, i) => ({
      source: { locURI: `./omadm-fuzz/Event/${n}` },
      meta: { type: 'org.openmobilealliance.omadm-fuzz.event', format: Format.Character, emis: [] },
      data: `omadm fuzz event ${n}.${i + 1}`,
    })),
  };
}

export interface Played {
  readonly session: PeerSession;
  /** The exchange that carried the Package#1 the server took (after any challenge). */
  readonly opening: Exchange;
  readonly exchanges: readonly Exchange[];
}

/** A plain session: Package#1 (with `extra` after the DevInfo), then played on to its end. */
export async function plainSession(ctx: CaseContext, opts: { extra?: SyncBodyCommandDraft[]; maxMsgSize?: number; maxObjSize?: number } = {}): Promise<Played> {
  const session = ctx.session();
  const opening = await open(session, {
    commands: packageOne(session.config.devId, opts.extra),
    final: true,
    ...(opts.maxMsgSize !== undefined ? { maxMsgSize: opts.maxMsgSize } : {}),
    ...(opts.maxObjSize !== undefined ? { maxObjSize: opts.maxObjSize } : {}),
  });
  await playOn(session, opening);
  return { session, opening, exchanges: session.exchanges };
}

/** The exchanges from `from` on. */
export function after(played: Played, from: Exchange): Exchange[] {
  return played.exchanges.slice(played.exchanges.indexOf(from));
}
