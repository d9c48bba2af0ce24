/**
 * omadm: OMA Device Management (SyncML DM 1.2/1.3) toolkit.
 *
 * The message layer (types, codecs, value checks, builders, protocol codes) is generated
 * from schemas/ into generated/; the runtime pieces it stands on live in src/runtime.
 */
export * from '../generated/index.js';
export { DecodeError, EncodeError, ValueError, isDecodeError, isEncodeError, isValueError } from './runtime/errors.js';
export type { ValueIssue } from './runtime/errors.js';
export { defaultDecodeLimits, type DecodeLimits } from './runtime/limits.js';
