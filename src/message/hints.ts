/**
 * Hints for the common mistakes behind a refused input, read from its first bytes: the JSON
 * form of a message given where the message is expected, a message given where its JSON is,
 * WBXML given to the XML decoder, text in UTF-16. The decoders say what is wrong; a hint says
 * what was probably meant.
 */

/** What the reader expected: a message in either encoding, XML only, or the JSON form of a message. */
export type ExpectedInput = 'message' | 'xml' | 'json';

function firstNonSpace(input: Uint8Array): number | undefined {
  let i = 0;
  // A UTF-8 byte order mark, then XML/JSON white space.
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) i = 3;
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x09 || input[i] === 0x0a || input[i] === 0x0d)) i++;
  return input[i];
}

const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

/** The likely mistake behind a refused input, in one sentence, or undefined when none is apparent. */
export function inputHint(input: Uint8Array, expected: ExpectedInput): string | undefined {
  const [b0, b1] = [input[0], input[1]];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return `the input is UTF-16 (it starts with the byte order mark ${hex(b0)} ${hex(b1)}); convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`;
  }
  const wbxml = b0 !== undefined && b0 >= 0x01 && b0 <= 0x03;
  if (expected === 'xml' && wbxml) {
    return `the input looks like WBXML (it starts with the version byte 0x${hex(b0)}); use decodeWbxml, or decode, which reads both`;
  }
  const first = firstNonSpace(input);
  if (expected !== 'json' && (first === 0x7b || first === 0x5b)) {
    return "the input looks like JSON; the JSON form of a message is read by 'omadm encode' (or parseMessage)";
  }
  if (expected === 'json' && (first === 0x3c || wbxml)) {
    return `the input looks like a SyncML message in ${wbxml ? 'WBXML' : 'XML'}; 'omadm decode' reads it (or 'omadm convert' to change its encoding)`;
  }
  return undefined;
}
