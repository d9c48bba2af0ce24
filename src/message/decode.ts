/**
 * One decode for both encodings: XML or WBXML, told apart by the first byte. WBXML starts
 * with its version byte, 0x01 to 0x03 (WBXML 1.1 to 1.3); XML starts with `<`, whitespace or
 * a byte order mark, none of which is in that range. Anything else (empty input, text that is
 * not XML) goes to the XML decoder, which says what is wrong with it.
 */
import { decodeWbxml, decodeXml, type DecodeOptions } from '../../generated/index.js';
import type { SyncML } from '../../generated/types.js';

export type MessageFormat = 'xml' | 'wbxml';

/** The encoding a message is in, from its first byte. */
export function sniffFormat(input: Uint8Array): MessageFormat {
  const first = input[0];
  return first !== undefined && first >= 0x01 && first <= 0x03 ? 'wbxml' : 'xml';
}

/** Decodes a message in whichever encoding it is in, and says which; throws the decoder's DecodeError. */
export function decodeSniffed(input: Uint8Array, options: DecodeOptions = {}): { format: MessageFormat; message: SyncML } {
  const format = sniffFormat(input);
  const message = format === 'wbxml' ? decodeWbxml(input, options) : decodeXml(input, options);
  return { format, message };
}

/**
 * Decodes a SyncML message, XML or WBXML (by its first byte, as `omadm decode` does), to its
 * typed value: the same value from either encoding. Throws a DecodeError otherwise.
 */
export function decode(input: Uint8Array, options: DecodeOptions = {}): SyncML {
  return decodeSniffed(input, options).message;
}
