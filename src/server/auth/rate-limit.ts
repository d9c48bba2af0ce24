/**
 * Failed authentications per device: after `max` failures within `windowMs` the device
 * is locked out for `lockMs` (its messages get 401 without being judged, so a guesser
 * learns nothing and spends nothing of ours). A success clears the count. Counted in the
 * store, so every server process sees the same count; only known devices are counted
 * (ids of unknown ones come from anyone and would fill the table).
 */
import type { AuthFailurePolicy, Store } from '../store/store.js';
import type { AuthFailures } from '../store/types.js';

export const DEFAULT_AUTH_FAILURE_POLICY: AuthFailurePolicy = { max: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export type Admission = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** Whether a device with these failures may try now. */
export function admission(failures: AuthFailures | undefined, now: number): Admission {
  const until = failures?.lockedUntil;
  return until !== undefined && until > now ? { allowed: false, retryAfterMs: until - now } : { allowed: true };
}

export class AuthRateLimiter {
  constructor(
    private readonly store: Store,
    readonly policy: AuthFailurePolicy = DEFAULT_AUTH_FAILURE_POLICY,
  ) {
    if (!(policy.max >= 1 && policy.windowMs > 0 && policy.lockMs > 0)) throw new RangeError('an auth failure policy needs max >= 1 and positive windowMs and lockMs');
  }

  async check(deviceId: string, now: number): Promise<Admission> {
    return admission(await this.store.authFailures(deviceId), now);
  }

  /** Counts a failure; says whether the device may still try. */
  async failed(deviceId: string, now: number): Promise<Admission> {
    return admission(await this.store.recordAuthFailure(deviceId, now, this.policy), now);
  }

  async succeeded(deviceId: string): Promise<void> {
    await this.store.clearAuthFailures(deviceId);
  }
}
