/** Checks of the options both HTTP sides take (timeouts, sizes, counts). */

/** `n` when it is a positive safe integer; a RangeError naming the option otherwise. */
export function positiveOption(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${what} must be a positive integer, not ${n}`);
  return n;
}
