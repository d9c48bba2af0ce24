/**
 * Emits generated/types.ts: one interface per element with element content, fields in
 * DTD order; text elements are strings, EMPTY elements booleans, repeated choices ordered
 * arrays of discriminated unions tagged by `kind`.
 */
import type { Model } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { fieldType, isOptionalField, particleText, structuredElements } from './common.js';

export function emitTypes(model: Model, out: Output): void {
  const sf = out.ts('types.ts', model.inputs.dtd.concat(['dm-profile.tsv', 'field-names.tsv', 'embedding.tsv']));
  for (const e of structuredElements(model)) {
    const docs = [e.doc ? `${e.doc}\n\n` : ''];
    if (e.content.kind === 'embedded') {
      docs.push(`\`<${e.name}>\`: the children of \`<${e.content.holds}>\` directly inside, in any order.`);
      if (!e.dm) docs.push(`\n\nNot part of OMA DM (${e.dmNote}).`);
      sf.addTypeAlias({ name: e.typeName, isExported: true, type: model.byName.get(e.content.holds)!.typeName, docs: [docs.join('')] });
      continue;
    }
    const particles = particlesOf(model, e);
    docs.push(`\`<${e.name}>\`: ${particles.map(particleText).join(', ')}`);
    if (!e.dm) docs.push(`\n\nNot part of OMA DM (${e.dmNote}).`);
    const iface = sf.addInterface({ name: e.typeName, isExported: true, docs: [docs.join('')] });
    if (e.tagged) iface.addProperty({ name: 'kind', type: `'${e.name}'` });
    for (const p of particles) {
      iface.addProperty({
        name: p.field,
        type: fieldType(model, p),
        hasQuestionToken: isOptionalField(model, p),
        docs: [`\`${particleText(p)}\``],
      });
    }
  }
  for (const u of model.unions) {
    sf.addTypeAlias({
      name: u.name,
      isExported: true,
      type: u.members.map((m) => model.byName.get(m)!.typeName).join(' | '),
      docs: [`A member of the repeated choice in \`<${u.owner}>\`, tagged by \`kind\`.`],
    });
  }
  sf.addTypeAlias({
    name: 'ElementName',
    isExported: true,
    type: model.elements.map((e) => `'${e.name}'`).join(' | '),
    docs: ['Every element name of the grammar.'],
  });
  const taggedNames = model.elements.filter((e) => e.tagged).map((e) => e.typeName);
  sf.addTypeAlias({
    name: 'Command',
    isExported: true,
    type: taggedNames.join(' | '),
    docs: ['Any element that stands in a repeated choice (the commands), tagged by `kind`.'],
  });
}
