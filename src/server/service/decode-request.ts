/**
 * The one place the service decodes a device's message: XML or WBXML, told apart by the
 * first byte, in the lenient mode (src/message decodeLenient) that recovers from the slips
 * real DM clients make. Every slip recovered from comes back as a warning, which the
 * service reports per device ('decode-warning' events); anything else is refused with the
 * decoder's DecodeError, as in strict mode.
 */
import type { SyncML } from '../../../generated/types.js';
import type { DecodeLimits } from '../../runtime/limits.js';
import type { DecodeWarning } from '../../runtime/errors.js';
import { decodeLenient, type MessageFormat } from '../../message/decode.js';

export type { DecodeWarning };

export interface DecodedRequest {
  readonly format: MessageFormat;
  readonly message: SyncML;
  readonly warnings: readonly DecodeWarning[];
}

/** Throws the decoder's DecodeError for a body that is no SyncML message, even read leniently. */
export function decodeRequest(body: Uint8Array, limits?: Partial<DecodeLimits>): DecodedRequest {
  return decodeLenient(body, limits ? { limits } : {});
}
