/** Helpers over the generated message layer for people using it: one decode for both encodings, the Status answering a command, hints for refused inputs. */
export { decode, decodeLenient, decodeSniffed, sniffFormat, type LenientDecoded, type MessageFormat } from './decode.js';
export { statusFor, type Received } from './status-for.js';
export { inputHint, type ExpectedInput } from './hints.js';
