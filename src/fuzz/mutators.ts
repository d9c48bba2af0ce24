/**
 * Codec-aware mutations of a message we built: each is plain data (it goes into a
 * reproducer) and `applyMutation` turns it into the bytes sent. Text mutations work on the
 * XML form, token mutations on the WBXML form (the message is converted first when sent in
 * the other encoding, so every mutation exists in both; the media type stays the run's, so
 * an XML mutation in a WBXML run is also a body in the wrong encoding). Token numbers come
 * from the generated WBXML grammar, never from here.
 */
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import { decode, encodeWbxml, encodeXmlString, type SyncML } from '../index.js';
import { WBXML, wbxmlGrammar } from '../../generated/grammar.js';
import { sniffFormat } from '../message/decode.js';

export type Mutation =
  /** XML: the n-th CmdID element removed. */
  | { readonly op: 'drop-cmdid'; readonly index: number }
  /** XML: MsgID moved after Source (wrong order in the SyncHdr). */
  | { readonly op: 'header-order' }
  /** XML: an element SyncML does not have, in SyncBody. */
  | { readonly op: 'unknown-element'; readonly name: string }
  /** XML: Atomic in Atomic `depth` times; WBXML: the same as tokens. */
  | { readonly op: 'deep-nesting'; readonly depth: number }
  /** Both: only the first `permille`/1000 of the bytes. */
  | { readonly op: 'truncate'; readonly permille: number }
  /** Both: one byte replaced. */
  | { readonly op: 'flip-byte'; readonly permille: number; readonly value: number }
  /** XML: a reference to an entity nobody declared. */
  | { readonly op: 'undefined-entity' }
  /** XML: a DOCTYPE with an internal subset (entity expansion bait). */
  | { readonly op: 'doctype-subset' }
  /** WBXML: a string-table reference past the end of the table. */
  | { readonly op: 'bad-string-ref'; readonly offset: number }
  /** WBXML: a WBXML version byte nobody defined. */
  | { readonly op: 'bad-version'; readonly value: number }
  /** Both: the body replaced by these bytes. */
  | { readonly op: 'garbage'; readonly bytes: readonly number[] };

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop-cmdid' as const), index: fc.integer({ min: 0, max: 2 }) }),
  fc.constant({ op: 'header-order' as const }),
  fc.record({ op: fc.constant('unknown-element' as const), name: fc.constantFrom('Foo', 'Script', 'Sync2') }),
  fc.record({ op: fc.constant('deep-nesting' as const), depth: fc.integer({ min: 2, max: 5000 }) }),
  fc.record({ op: fc.constant('truncate' as const), permille: fc.integer({ min: 0, max: 999 }) }),
  fc.record({ op: fc.constant('flip-byte' as const), permille: fc.integer({ min: 0, max: 999 }), value: fc.integer({ min: 0, max: 255 }) }),
  fc.constant({ op: 'undefined-entity' as const }),
  fc.constant({ op: 'doctype-subset' as const }),
  fc.record({ op: fc.constant('bad-string-ref' as const), offset: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ op: fc.constant('bad-version' as const), value: fc.constantFrom(0x00, 0x04, 0x13, 0xff) }),
  fc.record({ op: fc.constant('garbage' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }) }),
);

const XML_OPS: ReadonlySet<string> = new Set(['drop-cmdid', 'header-order', 'unknown-element', 'undefined-entity', 'doctype-subset']);

function asXml(bytes: Uint8Array): string {
  return sniffFormat(bytes) === 'xml' ? Buffer.from(bytes).toString('utf8') : encodeXmlString(decode(bytes));
}

function asWbxml(bytes: Uint8Array): Uint8Array {
  return sniffFormat(bytes) === 'wbxml' ? bytes : encodeWbxml(decode(bytes), { strings: 'inline' });
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** The SyncML page token (with content) of element `name`. */
function tagToken(name: string): number {
  const token = wbxmlGrammar.names.get(0)!.indexOf(name);
  if (token < 0) throw new RangeError(`no WBXML token for ${name}`);
  return token | WBXML.TAG_CONTENT;
}

/** mb_u_int32 of WBXML. */
function mbUint(n: number): number[] {
  const out = [n & 0x7f];
  for (let v = n >>> 7; v > 0; v >>>= 7) out.unshift((v & 0x7f) | 0x80);
  return out;
}

/** The bytes `m` sends as a message built as `bytes`. */
export function applyMutation(m: Mutation, bytes: Uint8Array): Uint8Array {
  if (XML_OPS.has(m.op) || (m.op === 'deep-nesting' && sniffFormat(bytes) === 'xml')) return utf8(mutateXml(m, asXml(bytes)));
  switch (m.op) {
    case 'truncate':
      return bytes.subarray(0, Math.floor((bytes.length * m.permille) / 1000));
    case 'flip-byte': {
      const out = Uint8Array.from(bytes);
      out[Math.min(out.length - 1, Math.floor((out.length * m.permille) / 1000))] = m.value;
      return out;
    }
    case 'garbage':
      return Uint8Array.from(m.bytes);
    case 'bad-version': {
      const out = Uint8Array.from(asWbxml(bytes));
      out[0] = m.value;
      return out;
    }
    case 'bad-string-ref': {
      // Version, public id, charset, an empty string table, then SyncML whose first text is a reference past the table.
      const w = asWbxml(bytes);
      const head = [WBXML.VERSION_1_3, ...mbUint(0x1201), WBXML.CHARSET_UTF8, 0];
      return Uint8Array.from([...head, tagToken('SyncML'), tagToken('SyncHdr'), tagToken('VerDTD'), WBXML.STR_T, ...mbUint(m.offset), WBXML.END, ...w.subarray(Math.min(w.length, 8), Math.min(w.length, 40))]);
    }
    case 'deep-nesting': {
      // WBXML: SyncML, SyncBody, then Atomic opened `depth` times and never closed.
      const head = [WBXML.VERSION_1_3, ...mbUint(0x1201), WBXML.CHARSET_UTF8, 0, tagToken('SyncML'), tagToken('SyncBody')];
      return Uint8Array.from([...head, ...new Array<number>(m.depth).fill(tagToken('Atomic'))]);
    }
    default:
      throw new RangeError(`unknown mutation ${(m as { op: string }).op}`);
  }
}

function mutateXml(m: Mutation, xml: string): string {
  switch (m.op) {
    case 'drop-cmdid': {
      let i = 0;
      return xml.replace(/<CmdID>[^<]*<\/CmdID>/g, (s) => (i++ === m.index ? '' : s));
    }
    case 'header-order': {
      const id = /<MsgID>[^<]*<\/MsgID>/.exec(xml)?.[0] ?? '';
      return xml.replace(id, '').replace(/(<\/Source>)/, `$1${id}`);
    }
    case 'unknown-element':
      return xml.replace('<SyncBody>', `<SyncBody><${m.name}><CmdID>99</CmdID></${m.name}>`);
    case 'deep-nesting':
      return xml.replace('<SyncBody>', `<SyncBody>${'<Atomic><CmdID>9</CmdID>'.repeat(m.depth)}${'</Atomic>'.repeat(m.depth)}`);
    case 'undefined-entity':
      return xml.replace('<SyncBody>', '<SyncBody>&omadmfuzz;');
    case 'doctype-subset':
      return `<!DOCTYPE SyncML [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${xml.replace('<SyncBody>', '<SyncBody>&b;')}`;
    default:
      return xml;
  }
}

/** Typed changes to a message before it is encoded (nearly valid messages). */
export type Tamper =
  /** The commands in reverse order (Replace before the session Alert). */
  | { readonly op: 'reversed' }
  /** Every command with CmdID 1. */
  | { readonly op: 'duplicate-cmdid' }
  /** The DevInfo items declare a Size that is not theirs (no chunking). */
  | { readonly op: 'wrong-size'; readonly delta: number }
  /** One DevInfo item of `kib` KiB. */
  | { readonly op: 'oversized-item'; readonly kib: number }
  /** A VerDTD / VerProto nobody speaks. */
  | { readonly op: 'bad-version'; readonly verDTD: string; readonly verProto: string }
  /** A Cred whose Data is not base64. */
  | { readonly op: 'bad-cred' }
  /** A SessionID, MsgID or URI that is empty or very long. */
  | { readonly op: 'odd-header'; readonly field: 'sessionID' | 'msgID' | 'target' | 'source'; readonly value: string };

export const tamperArbitrary: fc.Arbitrary<Tamper> = fc.oneof(
  fc.constant({ op: 'reversed' as const }),
  fc.constant({ op: 'duplicate-cmdid' as const }),
  fc.record({ op: fc.constant('wrong-size' as const), delta: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: -1000, max: -1 })) }),
  fc.record({ op: fc.constant('oversized-item' as const), kib: fc.constantFrom(64, 256, 1100) }),
  fc.record({ op: fc.constant('bad-version' as const), verDTD: fc.constantFrom('1.2', '9.9', ''), verProto: fc.constantFrom('DM/1.2', 'DM/9.9', 'SyncML/1.2', '') }),
  fc.constant({ op: 'bad-cred' as const }),
  fc.record({ op: fc.constant('odd-header' as const), field: fc.constantFrom('sessionID' as const, 'msgID' as const, 'target' as const, 'source' as const), value: fc.constantFrom('', '0', '-1', '99999999999999999999', 'x'.repeat(4096)) }),
);

export function applyTamper(t: Tamper, m: SyncML): SyncML {
  const body = m.syncBody;
  switch (t.op) {
    case 'reversed':
      return { ...m, syncBody: { ...body, commands: [...body.commands].reverse() as SyncML['syncBody']['commands'] } };
    case 'duplicate-cmdid':
      return { ...m, syncBody: { ...body, commands: body.commands.map((c) => ({ ...c, cmdID: '1' })) as SyncML['syncBody']['commands'] } };
    case 'wrong-size':
    case 'oversized-item':
      return {
        ...m,
        syncBody: {
          ...body,
          commands: body.commands.map((c) => {
            if (c.kind !== 'Replace') return c;
            const items = c.items.map((i, n) => {
              if (t.op === 'wrong-size') return { ...i, meta: { ...(i.meta ?? { emis: [] }), size: String(Math.max(0, (i.data ?? '').length + t.delta)) } };
              return n === 0 ? { ...i, data: 'x'.repeat(t.kib * 1024) } : i;
            });
            return { ...c, items: items as typeof c.items };
          }) as SyncML['syncBody']['commands'],
        },
      };
    case 'bad-version':
      return { ...m, syncHdr: { ...m.syncHdr, verDTD: t.verDTD, verProto: t.verProto } };
    case 'bad-cred':
      return { ...m, syncHdr: { ...m.syncHdr, cred: { meta: { type: 'syncml:auth-md5', format: 'b64', emis: [] }, data: '%%% not base64 %%%' } } };
    case 'odd-header': {
      const h = m.syncHdr;
      if (t.field === 'target' || t.field === 'source') return { ...m, syncHdr: { ...h, [t.field]: { locURI: t.value } } };
      return { ...m, syncHdr: { ...h, [t.field]: t.value } };
    }
  }
}
