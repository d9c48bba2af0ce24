/**
 * A password or key that must never reach a log line. It prints as `[redacted]` through
 * every road a logger takes (JSON.stringify, util.inspect / console.log, String(),
 * template literals); only `reveal()` gives the text, and only the code that computes a
 * digest calls it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself: for computing digests and for writing it to the store, nothing else. */
  reveal(): string {
    return this.#value;
  }

  /** Constant-time comparison with another secret or text. */
  equals(other: Secret | string): boolean {
    // Hashing first gives equal lengths, so the comparison time tells nothing about either.
    const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
    return timingSafeEqual(digest(this.#value), digest(typeof other === 'string' ? other : other.reveal()));
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}
