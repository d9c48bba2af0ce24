/**
 * Section 9.1, authentication challenges: every 401/407 carries a Chal; a message with
 * wrong credentials is refused with only Statuses; a device that got it wrong (a wrong
 * secret, a stale nonce) is not locked out when it then gets it right.
 */
import fc from 'fast-check';
import { StatusCode, type SyncML } from '../../index.js';
import { defineCase, fail, pass, skip, type CaseContext, type FuzzCase, type Outcome } from '../case.js';
import { describeOwed, missing, owedStatuses } from '../checks.js';
import { headerStatus, type CredMode, type Exchange, type PeerSession } from '../peer/client-driver.js';
import { code, expectMessage, open, packageOne, playOn } from '../peer/play.js';
import { plainSession } from './common.js';

const DEMANDS: readonly number[] = [StatusCode.InvalidCredentials, StatusCode.MissingCredentials];

/** Package#1 with credentials as `mode` says, no retry. */
async function badPackageOne(session: PeerSession, mode: CredMode): Promise<{ ex: Exchange; reply: SyncML; status: number | undefined }> {
  const ex = await session.send({ commands: packageOne(session.config.devId), final: true, cred: mode });
  const reply = expectMessage(ex);
  const s = headerStatus(reply, ex.msgID);
  return { ex, reply, status: s && code(s) };
}

/** After a refused Package#1, the device does what 9 says: Package#1 again, with credentials; then the session goes on. */
async function recover(session: PeerSession, status: number | undefined): Promise<void> {
  if (status === undefined || !DEMANDS.includes(status)) {
    // Accepted (wrongly, or no authentication at all): play the session out.
    const last = session.exchanges.at(-1)!;
    await playOn(session, last);
    return;
  }
  const again = await open(session, { commands: packageOne(session.config.devId), final: true, cred: 'auto' });
  await playOn(session, again);
}

const noAuth = (ctx: CaseContext): Outcome | undefined => (ctx.authenticates ? undefined : skip('the peer is played without authentication (--auth none)'));

export const chalOnDemand: FuzzCase = defineCase({
  id: 'dm-1.3/9.1/1',
  section: '9.1',
  pro: 'DM-PRO-S-010',
  level: 'MUST',
  kind: 'conformance',
  title: 'a Status 401 or 407 carries a Chal',
  requirement: 'In this case, the Status command to the request MUST include a Chal element (See [DMREPPRO]).',
  params: fc.constant(null),
  async run(ctx) {
    const off = noAuth(ctx);
    if (off) return off;
    const seen: string[] = [];
    // Both ways to be challenged: no credentials (407 expected) and wrong ones (401).
    for (const mode of ['none', 'wrong'] as const) {
      const session = ctx.session();
      const { reply, status, ex } = await badPackageOne(session, mode);
      if (status !== undefined && DEMANDS.includes(status)) {
        const s = headerStatus(reply, ex.msgID)!;
        if (!s.chal) return fail(`a Chal in the Status ${status} for the SyncHdr (credentials ${mode === 'none' ? 'left out' : 'wrong'})`, 'no Chal');
        const unchallenged = reply.syncBody.commands.filter((c) => c.kind === 'Status' && DEMANDS.includes(code(c)) && !c.chal);
        if (unchallenged.length > 0) return fail('a Chal in every Status 401/407', `${unchallenged.length} Status 401/407 without Chal`);
        seen.push(`${status} with Chal`);
      } else seen.push(`credentials ${mode === 'none' ? 'left out' : 'wrong'}: ${status ?? 'no Status for the SyncHdr'} (see dm-1.3/9.1/2)`);
      await recover(session, status);
    }
    return pass(seen.join('; '));
  },
});

export const refusedWithStatusesOnly: FuzzCase = defineCase({
  id: 'dm-1.3/9.1/2',
  section: '9.1',
  pro: 'DM-PRO-S-010',
  level: 'MUST',
  kind: 'conformance',
  title: 'wrong credentials are refused (401/407) with only Statuses, one for every command',
  requirement: 'The response message indicating the authentication failure on application layer (see chapter 9.3) contains only Status commands (i.e. Replace, Get etc. commands MUST NOT be specified in the response).',
  params: fc.constantFrom<CredMode>('wrong', 'stale'),
  async run(ctx, mode: CredMode) {
    const off = noAuth(ctx);
    if (off) return off;
    const session = ctx.session();
    const { reply, status, ex } = await badPackageOne(session, mode);
    if (status === undefined || !DEMANDS.includes(status)) return fail('Status 401 (or 407) for the SyncHdr of a message with wrong credentials', status === undefined ? 'no Status for the SyncHdr' : `Status ${status}`);
    const other = reply.syncBody.commands.filter((c) => c.kind !== 'Status');
    if (other.length > 0) return fail('only Status commands in the answer', `${other.map((c) => `<${c.kind}>`).join(', ')}`);
    const lost = missing(owedStatuses(ex.sent), [reply]);
    if (lost.length > 0) return fail('a Status for every command of the refused message', `no Status for ${lost.map(describeOwed).join(', ')}`);
    await recover(session, status);
    return pass();
  },
});

export const notLockedOut: FuzzCase = defineCase({
  id: 'dm-1.3/9.1/3',
  section: '9.1',
  level: 'MAY',
  kind: 'robustness',
  title: 'after wrong credentials or a stale nonce, the right credentials are accepted',
  requirement: 'The originator MAY repeat the request with a suitable Cred element (See [DMREPPRO]).',
  params: fc.array(fc.constantFrom<CredMode>('wrong', 'stale', 'none'), { minLength: 1, maxLength: 2 }),
  async run(ctx, attempts: CredMode[]) {
    const off = noAuth(ctx);
    if (off) return off;
    const session = ctx.session();
    for (const mode of attempts) await badPackageOne(session, mode);
    const ex = await session.send({ commands: packageOne(session.config.devId), final: true, cred: 'auto' });
    const reply = expectMessage(ex);
    const s = headerStatus(reply, ex.msgID);
    const c = s && code(s);
    if (c !== StatusCode.AuthenticationAccepted && c !== StatusCode.Ok) {
      return fail(`Status 212 (or 200) for the right credentials after ${attempts.join(', ')}`, c === undefined ? 'no Status for the SyncHdr' : `Status ${c}`);
    }
    await playOn(session, ex);
    return pass();
  },
});


export const serverAuthenticated: FuzzCase = defineCase({
  id: 'dm-1.3/6.4/3',
  section: '6.4',
  pro: 'DM-PRO-S-010',
  level: 'MUST',
  kind: 'conformance',
  title: "the server's credentials (--server-auth) are right, at the latest in the session after our challenge",
  requirement: 'DM Server is always authenticated to the DM Client but this authentication MAY be accomplished at the transport level.',
  params: fc.constant(null),
  async run(ctx) {
    if (!ctx.checksServer) return skip('the server is played without checking its credentials (no --server-auth)');
    // Two sessions: the first may need our challenge (a nonce for a digest); the second must open with the right credentials.
    const first = await plainSession(ctx);
    const second = await plainSession(ctx);
    const v = second.session.serverVerdicts[0];
    if (v?.outcome !== 'valid') return fail("the server's first message of a session to carry its right credentials", `${v?.outcome ?? 'no message'}: ${v?.reason ?? ''} (first session: ${first.session.serverVerdicts.map((x) => x.outcome).join(', ') || 'nothing judged'})`);
    return pass();
  },
});

export const authCases: readonly FuzzCase[] = [chalOnDemand, refusedWithStatusesOnly, notLockedOut, serverAuthenticated];
