/**
 * XML or WBXML? The verbs that read a message (decode, validate, convert) take either and tell
 * them apart by the first byte, never by the file name: the package's own sniffing decode.
 */
export { decodeSniffed, sniffFormat, type MessageFormat } from '../message/decode.js';
