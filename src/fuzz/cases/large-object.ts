/**
 * Section 8, large objects: the client sends an object in chunks in Package#1 (a Replace
 * of a DevInfo node, addressed by Source as the DevInfo Replace is), and the server must
 * answer 213 per chunk, 424 when the size is not the Size declared, 1225 when a new
 * command cuts the object short; what the server sends must respect our MaxObjSize and
 * declare the Size of its own chunked objects.
 */
import fc from 'fast-check';
import { AlertCode, Format, type Item, type SyncBodyCommandDraft, type SyncML } from '../../index.js';
import { itemsOf } from '../../../generated/command-helpers.js';
import { defineCase, fail, pass, skip, type FuzzCase } from '../case.js';
import { alertsIn, answers, largestItem, statusesIn } from '../checks.js';
import type { Exchange, PeerSession } from '../peer/client-driver.js';
import { code, expectMessage, open, packageOne, playOn } from '../peer/play.js';
import { genericAlert, plainSession, replies } from './common.js';
import { smallMaxMsgSize } from './multiple-messages.js';

const BLOB = './DevInfo/Ext/OmadmFuzzBlob';

export interface ChunkPlan {
  /** Bytes in all. */
  readonly size: number;
  readonly chunks: number;
  /** Added to the Size declared (0: the truth). */
  readonly sizeError: number;
}

export const chunkPlan = (sizeError: fc.Arbitrary<number>): fc.Arbitrary<ChunkPlan> =>
  fc.record({ size: fc.integer({ min: 8, max: 3000 }), chunks: fc.integer({ min: 2, max: 4 }), sizeError });

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** The object's data, cut into `plan.chunks` parts (none empty). */
export function chunksOf(plan: ChunkPlan): string[] {
  // a, b, ..., z, a, b, ...: the letters of the alphabet over and over.
  const data = ALPHABET.repeat(Math.ceil(plan.size / ALPHABET.length)).slice(0, plan.size);
  const n = Math.min(plan.chunks, plan.size);
  const step = Math.ceil(plan.size / n);
  const parts: string[] = [];
  for (let at = 0; at < data.length; at += step) parts.push(data.slice(at, at + step));
  return parts;
}

function chunk(data: string, more: boolean, size?: number): SyncBodyCommandDraft {
  const item: Item = { source: { locURI: BLOB }, meta: { format: Format.Character, ...(size !== undefined ? { size: String(size) } : {}), emis: [] }, data, ...(more ? { moreData: true } : {}) };
  return { kind: 'Replace', items: [item] };
}

/** The Status a reply gives the Replace (the chunk) of exchange `ex`. */
function chunkStatus(ex: Exchange, reply: SyncML): number | undefined {
  const replace = ex.sent.syncBody.commands.filter((c) => c.kind === 'Replace').at(-1)!;
  const s = statusesIn([reply]).find((x) => answers(x, { msgID: ex.msgID, cmdID: replace.cmdID, kind: 'Replace' }));
  return s && code(s);
}

/** Sends every chunk but the last; stops with a failure unless each was answered 213 (when `check213`). */
async function sendLeadingChunks(session: PeerSession, parts: string[], declared: number, check213: boolean): Promise<{ outcome?: ReturnType<typeof fail> }> {
  for (const [i, part] of parts.slice(0, -1).entries()) {
    const commands = i === 0 ? packageOne(session.config.devId, [chunk(part, true, declared)]) : [chunk(part, true)];
    const ex = i === 0 ? await open(session, { commands, final: false }) : await session.send({ commands, final: false });
    const reply = expectMessage(ex);
    const status = chunkStatus(ex, reply);
    if (check213 && status !== 213) return { outcome: fail(`Status 213 for chunk ${i + 1} of ${parts.length} (MoreData)`, status === undefined ? 'no Status for it' : `Status ${status}`) };
    if (check213 && alertsIn(reply, AlertCode.NextMessage).length === 0 && reply.syncBody.commands.every((c) => c.kind === 'Status' || c.kind === 'Results')) {
      return { outcome: fail(`Alert 1222 after the 213 for chunk ${i + 1} (the server had no other command to send)`, 'no Alert 1222') };
    }
  }
  return {};
}

export const chunkAccepted: FuzzCase = defineCase({
  id: 'dm-1.3/8/1',
  section: '8',
  pro: 'DM-PRO-LO-S-001',
  level: 'MUST',
  kind: 'conformance',
  title: 'a chunk with MoreData is answered 213 (and Alert 1222), the last chunk with its final status',
  requirement: 'On receipt of a data object with the <MoreData/> element, the recipient MUST respond with a status response "213 – Chunked item accepted and buffered" and, if there are no other commands to be sent, ask for the next message using the Alert 1222 mechanism defined in Section 7.',
  params: chunkPlan(fc.constant(0)),
  async run(ctx, plan: ChunkPlan) {
    const session = ctx.session();
    const parts = chunksOf(plan);
    const lead = await sendLeadingChunks(session, parts, plan.size, true);
    if (lead.outcome) return lead.outcome;
    const last = await session.send({ commands: [chunk(parts.at(-1)!, false)], final: true });
    const status = chunkStatus(last, expectMessage(last));
    if (status === undefined || status === 213) return fail('the status of the whole object for its last chunk', status === undefined ? 'no Status for it' : 'Status 213');
    await playOn(session, last);
    return pass(`${parts.length} chunks, ${plan.size} bytes: last chunk answered ${status}`);
  },
});

export const sizeMismatch: FuzzCase = defineCase({
  id: 'dm-1.3/8/2',
  section: '8',
  pro: 'DM-PRO-LO-S-009',
  level: 'MUST',
  kind: 'conformance',
  title: 'an object whose chunks do not add up to its Size is answered 424',
  requirement: 'If the size does not match then error status 424 "Size mismatch" MUST be returned.',
  params: chunkPlan(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: -64, max: -1 }))),
  async run(ctx, plan: ChunkPlan) {
    const session = ctx.session();
    const parts = chunksOf(plan);
    const declared = plan.size + plan.sizeError >= 1 ? plan.size + plan.sizeError : plan.size + 1;
    // A Size smaller than the data may be refused as soon as the data outgrows it: 424 may come on any chunk.
    const statuses: (number | undefined)[] = [];
    let ex: Exchange | undefined;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const commands = i === 0 ? packageOne(session.config.devId, [chunk(part, !last, declared)]) : [chunk(part, !last)];
      ex = i === 0 ? await open(session, { commands, final: last }) : await session.send({ commands, final: last });
      statuses.push(chunkStatus(ex, expectMessage(ex)));
    }
    if (!statuses.includes(424)) return fail(`Status 424 for the object (${plan.size} bytes sent in ${parts.length} chunks, Size ${declared})`, `chunks answered ${statuses.map((s) => s ?? 'nothing').join(', ')}`);
    await playOn(session, ex!);
    return pass();
  },
});

export const endOfDataNotReceived: FuzzCase = defineCase({
  id: 'dm-1.3/8/3',
  section: '8',
  level: 'MUST',
  kind: 'conformance',
  title: 'a new command before the last chunk is answered with Alert 1225',
  requirement: 'If the recipient detects a new data object or command before the previous item has been completed (by the chunk without the <MoreData/> Element), the recipient MUST respond with an Alert 1225 "End of Data for chunked object not received".',
  params: fc.record({ plan: chunkPlan(fc.constant(0)), sentBefore: fc.integer({ min: 1, max: 3 }) }),
  async run(ctx, p: { plan: ChunkPlan; sentBefore: number }) {
    const session = ctx.session();
    const parts = chunksOf(p.plan);
    const cut = Math.min(p.sentBefore, parts.length - 1);
    const lead = await sendLeadingChunks(session, parts.slice(0, cut + 1), p.plan.size, false);
    if (lead.outcome) return lead.outcome;
    const interrupt = await session.send({ commands: [genericAlert(1)], final: true });
    const reply = expectMessage(interrupt);
    if (alertsIn(reply, AlertCode.NoEndOfData).length === 0) return fail(`Alert 1225 after chunk ${cut} of ${parts.length} was followed by a new command`, 'no Alert 1225');
    await playOn(session, interrupt);
    return pass();
  },
});

export const maxObjSizeRespected: FuzzCase = defineCase({
  id: 'dm-1.3/8/4',
  section: '8',
  pro: 'DM-PRO-LO-S-007',
  level: 'MUST',
  kind: 'conformance',
  title: 'no object larger than the MaxObjSize we announced',
  requirement: 'MaxObjSize information sent in Meta information for the SyncHdr MUST be respected by the recipient, who MUST NOT send any single object larger than this size.',
  params: fc.integer({ min: 256, max: 2048 }),
  async run(ctx, maxObjSize: number) {
    const played = await plainSession(ctx, { maxObjSize });
    let seen = 0;
    for (const m of replies(played.exchanges)) {
      for (const c of m.syncBody.commands) {
        if (c.kind === 'Status') continue;
        for (const i of itemsOf(c)) {
          const declared = Number(i.meta?.size ?? NaN);
          if (declared > maxObjSize) return fail(`no object over MaxObjSize ${maxObjSize}`, `<${c.kind}> in message ${m.syncHdr.msgID} declares Size ${declared} for ${i.target?.locURI ?? i.source?.locURI ?? 'an item'}`);
        }
      }
      const big = largestItem(m);
      if (big) seen++;
      if (big && big.size > maxObjSize) return fail(`no object over MaxObjSize ${maxObjSize}`, `message ${m.syncHdr.msgID} carries ${big.size} bytes for ${big.uri}`);
    }
    return seen > 0 ? pass() : skip('the server sent no object with data in this session');
  },
});

export const sizeOnFirstChunk: FuzzCase = defineCase({
  id: 'dm-1.3/8/5',
  section: '8',
  pro: 'DM-PRO-LO-S-008',
  level: 'MUST',
  kind: 'conformance',
  title: "the server's chunked objects declare their Size on the first chunk",
  requirement: 'If an item is chunked across multiple messages, the <Size> element of the Meta information MUST be used to signal to the recipient the overall size of the data object.',
  params: fc.constant(null),
  async run(ctx) {
    const played = await plainSession(ctx, { maxMsgSize: smallMaxMsgSize(ctx) });
    let first = true;
    let chunked = 0;
    for (const m of replies(played.exchanges)) {
      for (const c of m.syncBody.commands) {
        if (c.kind === 'Status') continue;
        for (const i of itemsOf(c)) {
          if (i.moreData === true && first) {
            chunked++;
            if (i.meta?.size === undefined && !('meta' in c && c.meta?.size !== undefined)) return fail('Size in the Meta of the first chunk', `<${c.kind}> in message ${m.syncHdr.msgID} has MoreData and no Size`);
          }
          first = i.moreData !== true;
        }
      }
    }
    return chunked > 0 ? pass() : skip('the server sent no chunked object in this session');
  },
});

export const largeObjectCases: readonly FuzzCase[] = [chunkAccepted, sizeMismatch, endOfDataNotReceived, maxObjSizeRespected, sizeOnFirstChunk];
