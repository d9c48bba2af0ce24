/**
 * omadm: OMA Device Management (SyncML DM 1.2/1.3) toolkit.
 *
 * The message layer (types, codecs, value checks, builders, protocol codes) is generated
 * from schemas/ into generated/; the runtime pieces it stands on live in src/runtime.
 * The DM client, Package#0 and the server's store and HTTP endpoint are subpath exports
 * (`omadm/client`, `omadm/notification`, `omadm/server`), so this root stays light.
 */
export * from '../generated/index.js';
export { ArgumentError, DecodeError, EncodeError, ValueError, isArgumentError, isDecodeError, isEncodeError, isValueError } from './runtime/errors.js';
export type { DecodeWarning, ValueIssue } from './runtime/errors.js';
export { LENIENT_SLIPS, MAX_WARNINGS, type LenientSlip } from './runtime/lenient.js';
export { defaultDecodeLimits, type DecodeLimits } from './runtime/limits.js';

// Sans-I/O sessions (sections 6-9 of the DM protocol).
export { ClientSession, type PackageOneInit } from './session/client-session.js';
export { ServerSession } from './session/server-session.js';
export type { EndpointConfig, EndpointSnapshot, Outgoing, ReceivedCommand, SessionEvent } from './session/endpoint.js';
export type { RestoreConfig } from './session/snapshot.js';
export { OutgoingPackage, type PackedMessage, type PackingLimits } from './session/packing.js';
export { IncomingLargeObjects, type IncomingResult, type Interrupted } from './session/large-object.js';
export { type Encoding } from './session/message-size.js';
export { MessageAssembler } from './session/message-assembler.js';
export { ProtocolError, LocalProtocolError, isProtocolError, isLocalProtocolError, type LocalProblem, type SizeShortfall } from './session/errors.js';
export * as auth from './session/auth/index.js';

// For people using the message layer: decode either encoding, answer a command.
export * from './message/index.js';
