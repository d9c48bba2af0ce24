/**
 * XML or WBXML? The verbs that read a message (decode, validate, convert) take either and tell
 * them apart by the first byte, never by the file name.
 */
import { decodeWbxml, decodeXml, type DecodeOptions, type SyncML } from '../index.js';

export type MessageFormat = 'xml' | 'wbxml';

/**
 * WBXML starts with its version byte, 0x01 to 0x03 (WBXML 1.1 to 1.3); XML starts with `<`,
 * whitespace or a UTF-8 byte order mark, none of which is in that range. Anything else (an
 * empty input, text that is not XML) goes to the XML decoder, which says what is wrong with it.
 */
export function sniffFormat(input: Uint8Array): MessageFormat {
  const first = input[0];
  return first !== undefined && first >= 0x01 && first <= 0x03 ? 'wbxml' : 'xml';
}

/** Decodes a message in whichever format it is in; throws the decoder's DecodeError. */
export function decodeSniffed(input: Uint8Array, options: DecodeOptions = {}): { format: MessageFormat; message: SyncML } {
  const format = sniffFormat(input);
  const message = format === 'wbxml' ? decodeWbxml(input, options) : decodeXml(input, options);
  return { format, message };
}
