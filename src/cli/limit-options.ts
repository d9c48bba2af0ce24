/** `--max-bytes N` and `--max-text N`: the decoder's limits, on the command line. */
import { defaultDecodeLimits, type DecodeLimits } from '../index.js';
import { positiveIntegerParser } from './verb.js';

export const MAX_BYTES_FLAGS = '--max-bytes <N>';
export const MAX_BYTES_HELP = `Refuse an input larger than N bytes, reading no more of it (default ${defaultDecodeLimits.maxBytes}, 32 MiB)`;
export const parseMaxBytes = positiveIntegerParser('--max-bytes');

export const MAX_TEXT_FLAGS = '--max-text <N>';
export const MAX_TEXT_HELP = `Refuse an element text longer than N characters (default ${defaultDecodeLimits.maxTextLength}, 16 Mi)`;
export const parseMaxText = positiveIntegerParser('--max-text');

/** The input limit in force: `--max-bytes`, or the decoder's default. */
export function maxBytesOf(options: { maxBytes?: number | undefined }): number {
  return options.maxBytes ?? defaultDecodeLimits.maxBytes;
}

/** The decoder limits the options ask for (the others stay at their defaults). */
export function decodeLimitsOf(options: { maxBytes?: number | undefined; maxText?: number | undefined }): Partial<DecodeLimits> {
  return {
    maxBytes: maxBytesOf(options),
    ...(options.maxText === undefined ? {} : { maxTextLength: options.maxText }),
  };
}
