/**
 * An access token kept in memory until shortly before it expires, with one refresh in flight at a
 * time: concurrent callers share the same promise. Client credentials return no refresh token
 * (reference §1.3, High), so "refresh" means asking for a new token.
 */
export interface IssuedToken {
  readonly accessToken: string;
  /** Lifetime in seconds, as `expires_in` said (Creatio default 3600). */
  readonly expiresInSeconds: number;
}

export interface TokenCacheOptions {
  readonly fetchToken: () => Promise<IssuedToken>;
  readonly now: () => number;
  /** Refresh this long before expiry, capped at a fifth of the lifetime so short-lived tokens stay usable. */
  readonly refreshMarginMs: number;
  readonly onRefresh?: () => void;
}

export class TokenCache {
  private current: { token: string; refreshAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly options: TokenCacheOptions) {}

  /** A usable token: the cached one, the refresh already in flight, or a new refresh. */
  get(): Promise<string> {
    const current = this.current;
    if (current && this.options.now() < current.refreshAt) return Promise.resolve(current.token);
    return this.refresh();
  }

  /**
   * Forget `token` (the one a 401 was answered to) and get another. When another caller has already
   * replaced it, that newer token is reused instead of asking again.
   */
  renewAfterRejection(token: string): Promise<string> {
    if (this.current && this.current.token !== token && this.options.now() < this.current.refreshAt) {
      return Promise.resolve(this.current.token);
    }
    if (this.current?.token === token) this.current = undefined;
    return this.refresh();
  }

  /** Drops the cached token (e.g. after credentials were rotated). */
  clear(): void {
    this.current = undefined;
  }

  private refresh(): Promise<string> {
    if (this.inFlight) return this.inFlight;
    const run = (async () => {
      try {
        const issued = await this.options.fetchToken();
        const lifetimeMs = Math.max(0, issued.expiresInSeconds * 1000);
        const margin = Math.min(this.options.refreshMarginMs, lifetimeMs / 5);
        this.current = { token: issued.accessToken, refreshAt: this.options.now() + lifetimeMs - margin };
        this.options.onRefresh?.();
        return issued.accessToken;
      } finally {
        this.inFlight = undefined;
      }
    })();
    this.inFlight = run;
    return run;
  }
}
