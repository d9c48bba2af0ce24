/**
 * Emits generated/xsd/<vocabulary>.xsd: an XML Schema per vocabulary, derived from the
 * same model as the codecs, for validators that speak XSD rather than DTD. The template
 * (codegen/templates/xsd.hbs) only prints; every decision is made here.
 */
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { Element, Model, Particle, Vocabulary } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';

const hbs = Handlebars.create();
const template = hbs.compile(readFileSync(new URL('../templates/xsd.hbs', import.meta.url), 'utf8'), { noEscape: false, strict: true });

export function xsdFileName(v: Vocabulary): string {
  return v.dtd.replace(/\.dtd$/, '.xsd');
}

function prefixOf(v: Vocabulary): string {
  return v.name.toLowerCase();
}

function occursAttrs(p: Particle): string {
  const min = p.min === 1 ? '' : ' minOccurs="0"';
  const max = p.max === 1 ? '' : ' maxOccurs="unbounded"';
  return min + max;
}

export function emitXsd(model: Model, out: Output): void {
  for (const v of model.vocabularies) {
    const ref = (name: string): string => {
      const target = model.byName.get(name)!.vocabulary;
      return target === v ? name : `${prefixOf(target)}:${name}`;
    };
    const used = new Set<Vocabulary>();
    const elements = model.elements
      .filter((e) => e.vocabulary === v)
      .map((e: Element) => {
        const particles = particlesOf(model, e);
        for (const p of particles) {
          for (const n of p.kind === 'element' ? [p.element] : p.elements) {
            const target = model.byName.get(n)!.vocabulary;
            if (target !== v) used.add(target);
          }
        }
        return {
          name: e.name,
          doc: e.doc?.replace(/--/g, '- -'),
          isText: e.content.kind === 'text',
          isEmpty: e.content.kind === 'empty',
          isSequence: e.content.kind === 'sequence',
          isEmbedded: e.content.kind === 'embedded',
          refs: e.content.kind === 'embedded' ? particles.map((p) => ref(p.kind === 'element' ? p.element : '')) : [],
          particles: particles.map((p) => ({
            isChoice: p.kind === 'choice',
            ref: p.kind === 'element' ? ref(p.element) : '',
            refs: p.kind === 'choice' ? p.elements.map(ref) : [],
            occurs: occursAttrs(p),
          })),
        };
      });
    const imports = [...used]
      .sort((a, b) => a.id - b.id)
      .map((u) => ({ prefix: prefixOf(u), namespace: u.namespaces[0]!, schemaLocation: xsdFileName(u) }));
    const text = template({ targetNamespace: v.namespaces[0]!, imports, elements });
    out.xml(`xsd/${xsdFileName(v)}`, [v.dtd, 'namespaces.tsv'], text);
  }
}
