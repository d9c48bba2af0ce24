/**
 * Text arbitraries for the generated fast-check arbitraries: strings that XML and
 * WBXML can both carry, biased towards the characters that break codecs.
 */
import fc from 'fast-check';

const tricky = fc.constantFrom('<', '>', '&', '"', "'", ']]>', ' ', '\n', '\t', '\r', '\r\n', 'é', '€', '\u00a0', '😀', '&amp;', ';');
const unit = fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: tricky });

/** Any text XML can carry, including the empty string. */
export function xmlText(maxLength = 24): fc.Arbitrary<string> {
  return fc.array(unit, { maxLength }).map((parts) => parts.join(''));
}

/** Text for values that are identifiers or numbers on the wire (CmdID, MsgID, ...). */
export function tokenText(): fc.Arbitrary<string> {
  return fc.oneof(fc.nat({ max: 65535 }).map(String), fc.stringMatching(/^[A-Za-z0-9:._/-]{1,16}$/));
}
