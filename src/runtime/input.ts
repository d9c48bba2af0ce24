/** What the decoders take as input. */
import { ArgumentError } from './errors.js';

/**
 * The bytes of a decoder's input: a Uint8Array (a Buffer is one) as it is, an ArrayBuffer
 * viewed whole; anything else is the caller's mistake, an ArgumentError naming `expected`.
 */
export function inputBytes(input: unknown, expected: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer || Object.prototype.toString.call(input) === '[object ArrayBuffer]') return new Uint8Array(input as ArrayBuffer);
  const what =
    input === null ? 'null' : ArrayBuffer.isView(input) ? (input.constructor?.name ?? 'a typed array view') : typeof input === 'object' ? (input.constructor?.name ?? 'an object') : typeof input;
  throw new ArgumentError('input', `must be ${expected}, got ${what}`);
}
