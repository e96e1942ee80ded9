import type { Principal } from './auth';

/**
 * Signed-in principals kept for a few seconds, so a burst of requests with one token costs one database
 * lookup. This process forgets a token at once on logout and a user on any change to their account;
 * other API processes may keep honouring a revoked token for at most `ttlMs` (FUHUA_SESSION_CACHE_MS).
 */
export class SessionCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(tokenHash: string, now: number): Principal | undefined {
    const hit = this.entries.get(tokenHash);
    if (!hit) return undefined;
    if (hit.until <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return hit.principal;
  }

  set(principal: Principal, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear(); // crude, but bounded: a full cache starts over
    this.entries.set(principal.tokenHash, { principal, until: Math.min(now + this.ttlMs, Date.parse(principal.sessionExpiresAt)) });
  }

  forgetToken(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }

  forgetUser(userId: string): void {
    for (const [hash, { principal }] of this.entries) if (principal.id === userId) this.entries.delete(hash);
  }
}
