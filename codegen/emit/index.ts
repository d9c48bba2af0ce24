/** Emits generated/index.ts: the public surface of the generated layer (arbitraries, which need fast-check, stay apart). */
import type { Model } from '../model.js';
import type { Output } from '../output.js';

export function emitIndex(model: Model, out: Output): void {
  const sf = out.ts('index.ts', model.inputs.all);
  for (const m of ['types', 'grammar', 'codes', 'validators', 'decoder', 'lenient-decoder', 'xml-decoder', 'wbxml-decoder', 'xml-encoder', 'wbxml-encoder', 'builders']) {
    sf.addExportDeclaration({ moduleSpecifier: `./${m}.js` });
  }
}
