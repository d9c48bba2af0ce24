/**
 * One decode for both encodings: XML or WBXML, told apart by the first byte. WBXML starts
 * with its version byte, 0x01 to 0x03 (WBXML 1.1 to 1.3); XML starts with `<`, whitespace or
 * a byte order mark, none of which is in that range. Anything else (empty input, text that is
 * not XML) goes to the XML decoder, which says what is wrong with it.
 */
import { decodeWbxml, decodeXml, type DecodeOptions } from '../../generated/index.js';
import type { SyncML } from '../../generated/types.js';
import type { DecodeWarning } from '../runtime/errors.js';

export type MessageFormat = 'xml' | 'wbxml';

/**
 * The encoding a message is in, from its first byte. With `lenient`, any first byte that
 * does not start XML (`<`, white space, a UTF-8 or UTF-16 byte order mark) is a WBXML
 * version byte: WBXML 1.0 (0x00) or one libwbxml reads as an unknown version.
 */
export function sniffFormat(input: Uint8Array, lenient = false): MessageFormat {
  const first = input[0];
  if (first === undefined) return 'xml';
  if (!lenient) return first >= 0x01 && first <= 0x03 ? 'wbxml' : 'xml';
  const second = input[1];
  const xml =
    first === 0x3c ||
    first === 0x20 ||
    first === 0x09 ||
    first === 0x0a ||
    first === 0x0d ||
    (first === 0xef && second === 0xbb) ||
    (first === 0xfe && second === 0xff) ||
    (first === 0xff && second === 0xfe);
  return xml ? 'xml' : 'wbxml';
}

/** Decodes a message in whichever encoding it is in, and says which; throws the decoder's DecodeError. */
export function decodeSniffed(input: Uint8Array, options: DecodeOptions = {}): { format: MessageFormat; message: SyncML } {
  const format = sniffFormat(input, options.lenient === true);
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

/** A message decoded leniently: its value, its encoding, and the slips recovered from. */
export interface LenientDecoded {
  readonly format: MessageFormat;
  readonly message: SyncML;
  /** One per slip, in input order; empty when the message is one the strict decoders take. */
  readonly warnings: readonly DecodeWarning[];
}

/**
 * Decodes a message as a DM server should read what real clients send: XML or WBXML (by
 * its first byte), in lenient mode. Each slip it recovered from (LENIENT_SLIPS: children
 * out of DTD order, a SyncHdr Status without CmdRef, `Chr` for `chr`, a WBXML public id
 * without its NUL, ...) is a DecodeWarning saying what and where. Anything else is refused
 * with a DecodeError, as in strict mode. Takes the options of decode but `lenient` and
 * `warnings`.
 */
export function decodeLenient(input: Uint8Array, options: Omit<DecodeOptions, 'lenient' | 'warnings'> = {}): LenientDecoded {
  const warnings: DecodeWarning[] = [];
  const { format, message } = decodeSniffed(input, { ...options, lenient: true, warnings });
  return { format, message, warnings };
}
