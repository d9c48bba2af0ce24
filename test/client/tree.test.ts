import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManagementTree } from '../../src/client/tree/tree.js';
import { isTreeError } from '../../src/client/tree/errors.js';
import { StepClock, sampleTree } from './helpers.js';

function status(f: () => unknown): number {
  try {
    const r = f();
    return typeof r === 'number' ? r : 200;
  } catch (e) {
    if (isTreeError(e)) return e.status;
    throw e;
  }
}

describe('management tree: nodes and commands (DM-PRO-C-006)', () => {
  it('DM-PRO-C-006: Get on a leaf gives its value, Format and Type; on an interior node its children', () => {
    const tree = sampleTree();
    expect(tree.get('./A/y', 'srv1')).toEqual([{ uri: './A/y', format: 'chr', type: 'text/plain', data: 'hello' }]);
    expect(tree.get('./A', 'srv1')).toEqual([{ uri: './A', format: 'node', data: 'x/y' }]);
    expect(tree.get('.', 'srv1')[0]!.data).toBe('A/B');
  });

  it('DM-PRO-C-006: Add creates leaves and interior nodes (201), 418 when it exists, implicit parents', () => {
    const tree = sampleTree();
    expect(tree.add('./A/z', { format: 'bool', value: 'true' }, 'srv1')).toBe(201);
    expect(status(() => tree.add('./A/z', { value: 'x' }, 'srv1'))).toBe(418);
    expect(tree.add('./C/D/E', { format: 'int', value: '7' }, 'srv9')).toBe(201);
    expect(tree.record('./C')?.format).toBe('node');
    expect(tree.record('./C/D')?.permanent).toBe(false);
    expect(tree.get('./C/D', undefined)[0]!.data).toBe('E');
    expect(status(() => tree.add('./A/x/sub', { value: '1' }, 'srv1'))).toBe(405);
    expect(status(() => tree.add('.', { format: 'node' }, 'srv1'))).toBe(418);
  });

  it('DM-PRO-C-006: Replace sets a leaf (VerNo and TStamp move), 404 when missing, 405 on an interior node', () => {
    const clock = new StepClock();
    const tree = new ManagementTree({ clock, rootAcl: 'Add=*&Get=*&Replace=*' });
    tree.set('./n', { format: 'int', value: '1' });
    const before = tree.record('./n')!;
    clock.advance(61_000);
    expect(tree.replace('./n', { value: '2' }, 's')).toBe(200);
    const after = tree.record('./n')!;
    expect(after.value).toBe('2');
    expect(after.format).toBe('int');
    expect(after.verNo).toBe(before.verNo + 1);
    expect(after.tstamp).not.toBe(before.tstamp);
    expect(tree.get('./n?prop=TStamp', 's')[0]!.data).toMatch(/^\d{8}T\d{6}Z$/);
    expect(status(() => tree.replace('./missing', { value: '1' }, 's'))).toBe(404);
    expect(status(() => tree.replace('.', { value: '1' }, 's'))).toBe(405);
  });

  it('DM-PRO-C-006: Delete removes the subtree; permanent nodes and the root stay (405)', () => {
    const tree = sampleTree();
    tree.set('./P', { format: 'node', permanent: true });
    expect(tree.delete('./A', 'srv1')).toBe(200);
    expect(tree.record('./A/x')).toBeUndefined();
    expect(tree.get('.', undefined)[0]!.data).toBe('B/P');
    expect(status(() => tree.delete('./P', 'srv1'))).toBe(405);
    expect(status(() => tree.delete('.', 'srv1'))).toBe(405);
    expect(status(() => tree.delete('./A', 'srv1'))).toBe(404);
  });

  it('DM-PRO-C-006: Copy replicates a subtree (201) or a leaf value onto a leaf (200)', () => {
    const tree = sampleTree();
    expect(tree.copy('./A2', './A', 'srv1')).toBe(201);
    expect(tree.get('./A2', 'srv1')[0]!.data).toBe('x/y');
    expect(tree.value('./A2/x')).toBe('42');
    expect(tree.record('./A2/x')?.format).toBe('int');
    expect(tree.copy('./A/y', './A/x', 'srv1')).toBe(200);
    expect(tree.record('./A/y')?.format).toBe('int');
    expect(status(() => tree.copy('./A/sub', './A', 'srv1'))).toBe(405);
    expect(status(() => tree.copy('./A', './B', 'srv2'))).toBe(418);
    expect(status(() => tree.copy('./Q', './nope', 'srv1'))).toBe(404);
  });

  it('leaf values are checked against their Format (int, bool, chr, b64, bin, xml, float, date, time, node, null)', () => {
    const tree = sampleTree();
    const good: [string, string][] = [
      ['int', '-2147483648'], ['bool', 'false'], ['chr', 'any text'], ['b64', 'aGk='], ['bin', '\u0001x'],
      ['xml', '<a x="1"><b/>t<![CDATA[<]]></a>'], ['float', '-1.5e3'], ['date', '2026-02-28'], ['time', '23:59:59Z'], ['null', ''],
    ];
    const bad: [string, string][] = [
      ['int', '2147483648'], ['int', '1.0'], ['bool', 'yes'], ['b64', 'a'], ['xml', '<a><b></a>'], ['xml', '<a/><b/>'],
      ['float', '1e'], ['date', '2026-02-30'], ['time', '24:00:00'], ['null', 'x'],
    ];
    good.forEach(([format, value], i) => expect(tree.add(`./A/g${i}`, { format, value }, 'srv1'), format).toBe(201));
    bad.forEach(([format, value], i) => expect(status(() => tree.add(`./A/b${i}`, { format, value }, 'srv1')), `${format} ${value}`).toBe(400));
    expect(status(() => tree.add('./A/u', { format: 'jpeg', value: '' }, 'srv1'))).toBe(415);
    expect(status(() => tree.add('./A/n', { format: 'node', value: 'x' }, 'srv1'))).toBe(400);
    expect(status(() => tree.replace('./A/x', { value: 'abc' }, 'srv1'))).toBe(400);
  });

  it('properties: ACL, Format, Name, Size, Title, TStamp, Type, VerNo read with ?prop=', () => {
    const tree = sampleTree();
    const prop = (p: string) => tree.get(`./A/y?prop=${p}`, 'srv1')[0];
    expect(prop('ACL')).toEqual({ uri: './A/y?prop=ACL', format: 'chr', data: '' });
    expect(prop('Format')!.data).toBe('chr');
    expect(prop('Name')!.data).toBe('y');
    expect(prop('Size')).toMatchObject({ format: 'int', data: '5' });
    expect(prop('Type')!.data).toBe('text/plain');
    expect(prop('VerNo')!.data).toBe('0');
    expect(prop('Title')!.data).toBe('');
    expect(status(() => tree.get('./A?prop=Size', 'srv1'))).toBe(406);
    expect(status(() => tree.get('./A/y?prop=Colour', 'srv1'))).toBe(406);
  });

  it('properties: Title and Name writable, Format/Type/Size/TStamp/VerNo read-only (405)', () => {
    const tree = sampleTree();
    expect(tree.replace('./A/y?prop=Title', { value: 'Greeting' }, 'srv1')).toBe(200);
    expect(tree.get('./A/y?prop=Title', 'srv1')[0]!.data).toBe('Greeting');
    expect(tree.replace('./A/y?prop=Name', { value: 'z' }, 'srv1')).toBe(200);
    expect(tree.value('./A/z')).toBe('hello');
    expect(tree.get('./A', 'srv1')[0]!.data).toBe('x/z');
    expect(status(() => tree.replace('./A/z?prop=Name', { value: 'x' }, 'srv1'))).toBe(418);
    for (const p of ['Format', 'Type', 'Size', 'TStamp', 'VerNo']) expect(status(() => tree.replace(`./A/z?prop=${p}`, { value: '1' }, 'srv1')), p).toBe(405);
    tree.set('./A/perm', { value: 'p', permanent: true });
    expect(status(() => tree.replace('./A/perm?prop=Name', { value: 'q' }, 'srv1'))).toBe(405);
  });

  it('?list=Struct gives the structure, ?list=StructData the values too; other lists 406', () => {
    const tree = sampleTree();
    expect(tree.get('./A?list=Struct', 'srv1')).toEqual([
      { uri: './A', format: 'node' },
      { uri: './A/x', format: 'int' },
      { uri: './A/y', format: 'chr', type: 'text/plain' },
    ]);
    expect(tree.get('./A?list=StructData', 'srv1').map((i) => i.data)).toEqual([undefined, '42', 'hello']);
    expect(tree.get('.?list=Struct', 'srv1').map((i) => i.uri)).toEqual(['.', './A', './A/x', './A/y']);
    expect(status(() => tree.get('./A?list=TNDS+Struct', 'srv1'))).toBe(406);
  });

  it('?list=TNDS+... gives the subtree as one TNDS document, with the properties asked, without what the ACL hides (TND 1.2 TNDS)', () => {
    const tree = sampleTree();
    tree.set('./A/y', { format: 'chr', value: 'a<b & "c"', type: 'text/plain' });
    const [item] = tree.get('./A?list=TNDS+ACL+Format+Type+Value', 'srv1');
    expect(item).toMatchObject({ uri: './A?list=TNDS+ACL+Format+Type+Value', format: 'xml', type: 'application/vnd.syncml.dmtnds+xml' });
    expect(item!.data).toBe(
      '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>' +
        '<Node><NodeName>A</NodeName><Path>.</Path><RTProperties><ACL>Add=srv1&amp;Delete=srv1&amp;Get=*&amp;Replace=srv1</ACL><Format><node/></Format><Type><DDFName></DDFName></Type></RTProperties>' +
        '<Node><NodeName>x</NodeName><RTProperties><ACL></ACL><Format><int/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>42</Value></Node>' +
        '<Node><NodeName>y</NodeName><RTProperties><ACL></ACL><Format><chr/></Format><Type><MIME>text/plain</MIME></Type></RTProperties><Value>a&lt;b &amp; &quot;c&quot;</Value></Node>' +
        '</Node></MgmtTree>',
    );
    // Structure only; sizes and versions; the root holds only what srv1 may Get (not ./B).
    expect(tree.get('./A/x?list=TNDS', 'srv1')[0]!.data).toBe('<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>x</NodeName><Path>./A</Path></Node></MgmtTree>');
    expect(tree.get('./A/y?list=TNDS+Size+VerNo', 'srv1')[0]!.data).toContain('<RTProperties><Size>9</Size><VerNo>1</VerNo></RTProperties>');
    const root = tree.get('.?list=TNDS', 'srv1')[0]!.data!;
    expect(root).toContain('<NodeName>A</NodeName>');
    expect(root).not.toContain('<NodeName>B</NodeName>');
    expect(status(() => tree.get('./A?list=TNDS+Colour', 'srv1'))).toBe(406);
    expect(status(() => tree.get('./A?list=TNDS+ACL+ACL', 'srv1'))).toBe(406);
    expect(status(() => tree.get('./B?list=TNDS', 'srv1'))).toBe(425);
  });

  it('is bounded: node count (420), one value (413), all values (420)', () => {
    const tree = new ManagementTree({ clock: new StepClock(), limits: { maxNodes: 4, maxValueBytes: 8, maxTotalBytes: 12 }, rootAcl: 'Add=*&Get=*&Replace=*' });
    expect(tree.add('./a', { value: '12345678' }, 's')).toBe(201);
    expect(status(() => tree.add('./b', { value: '123456789' }, 's'))).toBe(413);
    expect(status(() => tree.add('./b', { value: '12345' }, 's'))).toBe(420);
    expect(status(() => tree.add('./c/d/e', { value: '1' }, 's'))).toBe(420);
    expect(tree.size).toBe(2);
    expect(status(() => tree.replace('./a', { value: '123456789' }, 's'))).toBe(413);
  });

  it('an image reads back as the same tree, and a damaged image is refused with a typed error', () => {
    const tree = sampleTree();
    const again = new ManagementTree({ clock: new StepClock(), image: JSON.parse(JSON.stringify(tree.image())) });
    expect(JSON.stringify(again.image())).toBe(JSON.stringify(tree.image()));
    const image = tree.image();
    for (const broken of [
      { version: 2, nodes: [] },
      { version: 1, nodes: image.nodes.slice(1) },
      { version: 1, nodes: image.nodes.filter(([k]) => k !== './A/x') },
      { version: 1, nodes: [...image.nodes, ['./orphan', image.nodes[2]![1]]] },
      { version: 1, nodes: [[image.nodes[0]![0], { ...image.nodes[0]![1], acl: '' }], ...image.nodes.slice(1)] },
    ]) {
      expect(status(() => new ManagementTree({ clock: new StepClock(), image: broken as never }))).toBe(510);
    }
  });
});

describe('ACLs on the tree (TND 7.7.1)', () => {
  it('denials answer 425: Get, Replace, Delete, Add, Exec each need their right', () => {
    const tree = sampleTree();
    expect(status(() => tree.get('./B', 'srv1'))).toBe(425);
    expect(status(() => tree.replace('./A/x', { value: '1' }, 'srv2'))).toBe(425);
    expect(status(() => tree.delete('./A/x', 'srv2'))).toBe(425);
    expect(status(() => tree.add('./A/new', { value: '1' }, 'srv2'))).toBe(425);
    expect(status(() => tree.requireExec('./A/x', 'srv1'))).toBe(425);
    expect(tree.requireExec('./B', 'srv2')).toBe('./B');
  });

  it('an empty ACL inherits the parent, recursively', () => {
    const tree = sampleTree();
    tree.set('./B/c/d', { value: 'v' });
    expect(tree.get('./B/c/d', 'srv2')[0]!.data).toBe('v');
    expect(status(() => tree.get('./B/c/d', 'srv1'))).toBe(425);
  });

  it('a leaf ACL changes only with Replace on the parent; an interior ACL also with Replace on itself', () => {
    const tree = sampleTree();
    tree.set('./A/locked', { value: 'v', acl: 'Replace=srv3&Get=srv3' });
    expect(status(() => tree.replace('./A/locked?prop=ACL', { value: 'Get=*' }, 'srv3'))).toBe(425);
    expect(tree.replace('./A/locked?prop=ACL', { value: 'Get=*&Replace=srv3' }, 'srv1')).toBe(200);
    expect(tree.get('./A/locked?prop=ACL', 'anyone')[0]!.data).toBe('Get=*&Replace=srv3');
    // ./B is interior and srv2 has Replace on it, not on the root.
    const t2 = new ManagementTree({ clock: new StepClock(), rootAcl: 'Add=*&Get=*' });
    t2.set('./B', { format: 'node', acl: 'Replace=srv2&Get=srv2' });
    expect(t2.replace('./B?prop=ACL', { value: 'Replace=srv2&Get=*' }, 'srv2')).toBe(200);
    expect(status(() => t2.replace('./B?prop=ACL', { value: 'Get=*' }, 'srv9'))).toBe(425);
    expect(status(() => t2.replace('./B?prop=ACL', { value: 'Get=a b' }, 'srv2'))).toBe(400);
  });

  it('a server forgotten leaves every ACL; the root keeps * where it was the only one', () => {
    const tree = new ManagementTree({ clock: new StepClock(), rootAcl: 'Add=*&Get=srv1&Replace=srv1+srv2' });
    tree.set('./N', { format: 'node', acl: 'Get=srv1&Replace=srv1+srv2' });
    tree.forgetServer('srv1');
    expect(tree.record('.')!.acl).toBe('Add=*&Get=*&Replace=srv2');
    expect(tree.record('./N')!.acl).toBe('Replace=srv2');
  });

  it('the root ACL is never empty', () => {
    const tree = new ManagementTree({ clock: new StepClock(), rootAcl: 'Add=*&Get=*&Replace=*' });
    expect(status(() => tree.replace('.?prop=ACL', { value: '' }, 's'))).toBe(405);
    expect(status(() => new ManagementTree({ clock: new StepClock(), rootAcl: '' }))).toBe(405);
    expect(tree.get('.?prop=ACL', 's')[0]!.data).toBe('Add=*&Get=*&Replace=*');
  });

  it('Copy needs Get on the source and Add (new) or Replace (existing) on the target', () => {
    const tree = sampleTree();
    expect(status(() => tree.copy('./A/fromB', './B', 'srv1'))).toBe(425);
    expect(status(() => tree.copy('./B/fromA', './A/x', 'srv1'))).toBe(425);
    tree.set('./B/leaf', { value: 'b' });
    expect(status(() => tree.copy('./B/leaf', './A/x', 'srv1'))).toBe(425);
    expect(tree.copy('./B/x', './A/x', 'srv2')).toBe(201);
  });

  it('property: a server never reads or changes what its ACL denies', () => {
    const servers = ['s1', 's2', 's3'];
    const names = ['a', 'b', 'c'];
    const aclArb = fc.oneof(
      fc.constant(''),
      fc.dictionary(fc.constantFrom('Add', 'Delete', 'Exec', 'Get', 'Replace'), fc.subarray([...servers, '*'], { minLength: 1 })).map((d) =>
        Object.entries(d).map(([c, ids]) => `${c}=${ids.join('+')}`).join('&'),
      ),
    );
    const uriArb = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((s) => `./${s.join('/')}`);
    const op = fc.record({
      kind: fc.constantFrom('get', 'add', 'replace', 'delete', 'copy', 'acl', 'exec'),
      server: fc.constantFrom(...servers),
      uri: uriArb,
      other: uriArb,
      acl: aclArb,
    });
    const setup = fc.array(fc.record({ uri: uriArb, leaf: fc.boolean(), acl: aclArb }), { maxLength: 8 });
    fc.assert(
      fc.property(setup, fc.array(op, { maxLength: 12 }), (nodes, ops) => {
        const tree = new ManagementTree({ clock: new StepClock(), rootAcl: 'Add=s1&Get=s1+s2' });
        for (const n of nodes) {
          try {
            tree.set(n.uri, { format: n.leaf ? 'chr' : 'node', value: n.leaf ? 'v' : '', acl: n.acl });
          } catch (e) {
            if (!isTreeError(e)) throw e;
          }
        }
        for (const o of ops) {
          const before = JSON.stringify(tree.image());
          // What the ACLs said before the command.
          const exists = tree.record(o.uri) !== undefined;
          const may = (uri: string, c: 'Add' | 'Delete' | 'Exec' | 'Get' | 'Replace') => tree.may(uri, c, o.server);
          const parentOf = (uri: string) => uri.slice(0, uri.lastIndexOf('/')) || '.';
          const nearest = (uri: string): string => (tree.record(uri) ? uri : nearest(parentOf(uri)));
          let code: number;
          switch (o.kind) {
            case 'get':
              code = status(() => tree.get(o.uri, o.server));
              if (code === 200) expect(exists && may(o.uri, 'Get')).toBe(true);
              break;
            case 'add': {
              const anc = nearest(o.uri);
              const allowed = tree.may(anc, 'Add', o.server);
              code = status(() => tree.add(o.uri, { value: 'n' }, o.server));
              if (code === 201) expect(allowed).toBe(true);
              break;
            }
            case 'replace': {
              const allowed = exists && may(o.uri, 'Replace');
              code = status(() => tree.replace(o.uri, { value: 'r' }, o.server));
              if (code === 200) expect(allowed).toBe(true);
              break;
            }
            case 'delete': {
              const allowed = exists && may(o.uri, 'Delete');
              code = status(() => tree.delete(o.uri, o.server));
              if (code === 200) expect(allowed).toBe(true);
              break;
            }
            case 'exec': {
              const allowed = exists && may(o.uri, 'Exec');
              code = status(() => tree.requireExec(o.uri, o.server));
              if (code === 200) expect(allowed).toBe(true);
              break;
            }
            case 'acl': {
              const interior = tree.record(o.uri)?.children !== undefined;
              const allowed = exists && (tree.may(parentOf(o.uri), 'Replace', o.server) || (interior && may(o.uri, 'Replace')));
              code = status(() => tree.replace(`${o.uri}?prop=ACL`, { value: o.acl }, o.server));
              if (code === 200) expect(allowed).toBe(true);
              break;
            }
            case 'copy': {
              const srcOk = tree.record(o.other) !== undefined && may(o.other, 'Get');
              const dstOk = exists ? may(o.uri, 'Replace') : tree.may(nearest(o.uri), 'Add', o.server);
              code = status(() => tree.copy(o.uri, o.other, o.server));
              if (code === 200 || code === 201) expect(srcOk && dstOk).toBe(true);
              break;
            }
          }
          if (code === 425) expect(JSON.stringify(tree.image())).toBe(before);
          if (o.kind === 'get' || o.kind === 'exec' || code >= 300) expect(JSON.stringify(tree.image())).toBe(before);
        }
      }),
    );
  });
});
