/**
 * The message assembler writes a message command by command and knows its size at each
 * step: its bytes must be exactly what the encoders write for the whole message (WBXML
 * with inline strings), and its running totals exactly their lengths, whatever was
 * measured and dropped on the way (a command that did not fit).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { messageArbitrary } from '../../generated/arbitraries.js';
import type { SyncML } from '../../generated/types.js';
import { encodeWbxml, encodeXml } from '../../src/index.js';
import { DroppedPiece, MessageAssembler } from '../../src/session/message-assembler.js';
import { encodeSyncBodyCommandXml } from '../../generated/xml-encoder.js';
import type { Encoding } from '../../src/session/message-size.js';
import { isEncodeError } from '../../src/runtime/errors.js';

const encoded = (encoding: Encoding, m: SyncML): Uint8Array => (encoding === 'xml' ? encodeXml(m) : encodeWbxml(m, { strings: 'inline' }));

describe('MessageAssembler', () => {
  it('writes the bytes the encoders write, with exact sizes at every step, dropping what was only measured', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Encoding>('xml', 'wbxml'),
        messageArbitrary({ profile: 'syncml' }),
        messageArbitrary({ profile: 'syncml' }),
        fc.infiniteStream(fc.boolean()),
        (encoding, message, other, measureOther) => {
          const final = message.syncBody.final === true;
          const a = new MessageAssembler(encoding, message.syncHdr);
          const taken: SyncML['syncBody']['commands'][number][] = [];
          const extra = other.syncBody.commands;
          for (const [k, cmd] of message.syncBody.commands.entries()) {
            // Sometimes measure a command that then does not go in (it did not fit).
            if (measureOther.next().value && extra.length > 0) a.cost(extra[k % extra.length]!);
            const size = a.cost(cmd);
            const before = a.total(false);
            expect(a.add(cmd)).toBe(size);
            expect(a.total(false)).toBe(before + size);
            taken.push(cmd);
            // What the message would be if it ended here.
            const sofar: SyncML = { syncHdr: message.syncHdr, syncBody: { commands: taken as SyncML['syncBody']['commands'], ...(final ? { final: true } : {}) } };
            expect(a.total(final)).toBe(encoded(encoding, sofar).length);
          }
          if (measureOther.next().value && extra.length > 0) a.cost(extra[0]!);
          const bytes = a.finish(final);
          expect(bytes.length).toBe(a.total(final));
          expect(Buffer.from(bytes).equals(encoded(encoding, message))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('measures a command alone in a message exactly, after any code page', () => {
    fc.assert(
      fc.property(fc.constantFrom<Encoding>('xml', 'wbxml'), messageArbitrary({ profile: 'syncml' }), (encoding, message) => {
        const a = new MessageAssembler(encoding, message.syncHdr);
        for (const cmd of message.syncBody.commands) {
          a.cost(cmd);
          const alone = encoded(encoding, { syncHdr: message.syncHdr, syncBody: { commands: [cmd] as SyncML['syncBody']['commands'], final: true } });
          expect(a.totalAloneOfLastCost()).toBe(alone.length);
          a.add(cmd);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reuses the XML of a command dropped at the end of one message for the next, renumbered, exactly as the encoder writes it', () => {
    fc.assert(
      fc.property(messageArbitrary({ profile: 'syncml' }), fc.integer({ min: 1, max: 99_999 }), (message, newID) => {
        for (const cmd of message.syncBody.commands) {
          const dropped = new DroppedPiece();
          const first = new MessageAssembler('xml', message.syncHdr, 1024, dropped);
          const size = first.cost({ ...cmd, cmdID: '7' } as typeof cmd);
          first.finish(false); // it did not fit: dropped, kept for the next message
          const again = { ...cmd, cmdID: String(newID) } as typeof cmd;
          // Same fields (by reference) but the CmdID: reused, and exactly what the encoder writes.
          const viaCache = dropped.reuse(again);
          if ('commands' in cmd) {
            expect(viaCache).toBeUndefined();
            continue;
          }
          expect(viaCache?.text).toBe(encodeSyncBodyCommandXml(again));
          const next = new MessageAssembler('xml', message.syncHdr, 1024, dropped);
          const sizeAgain = next.cost(again);
          expect(sizeAgain - size).toBe(String(newID).length - 1);
          next.add(again);
          const bytes = next.finish(true);
          expect(Buffer.from(bytes).equals(encodeXml({ syncHdr: message.syncHdr, syncBody: { commands: [again] as SyncML['syncBody']['commands'], final: true } }))).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a command it cannot write with an EncodeError naming the field', () => {
    const a = new MessageAssembler('xml', { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: 't' }, source: { locURI: 's' } });
    const bad = { kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './A' }, data: 'bell\u0007' }] } as SyncML['syncBody']['commands'][number];
    a.add({ kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './C' }, data: 'ok' }] });
    a.add({ kind: 'Get', cmdID: '2', items: [{ target: { locURI: './B' } }] });
    const framed = a.total(false);
    let error: unknown;
    try {
      a.cost(bad);
    } catch (e) {
      error = e;
    }
    expect(isEncodeError(error)).toBe(true);
    // Named as the decoder names its XML twin: the second Replace of the message, its first Item.
    expect(error).toMatchObject({ path: '/SyncML/SyncBody/Replace[2]/Item[1]/Data' });
    // Nothing of it stays.
    expect(a.total(false)).toBe(framed);
    expect(new TextDecoder().decode(a.finish(false))).not.toContain('bell');
  });
});
