export interface NonceCacheOptions {
  /** The most nonces held at once; 100 000 unless given. Size it to the deliveries of 5 minutes. */
  maxEntries?: number;
  /** The clock, unix seconds; the system clock unless given. */
  now?: () => number;
}

/**
 * The nonces of signatures that have not expired yet, for `verifyRequest`'s `seenNonce`. Bounded: when
 * full of live nonces it refuses new ones rather than forget a live one (which would let it replay).
 */
export class NonceCache {
  private readonly expiries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: NonceCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  /** True when the nonce is still remembered (refuse the request); otherwise remembers it until `expires`. */
  readonly seen = (nonce: string, expires: number): boolean => {
    const now = this.now();
    const known = this.expiries.get(nonce);
    if (known !== undefined && known >= now) return true;
    if (known === undefined && this.expiries.size >= this.maxEntries) {
      this.forgetExpired(now);
      if (this.expiries.size >= this.maxEntries) return true;
    }
    this.expiries.set(nonce, expires);
    return false;
  };

  get size(): number {
    return this.expiries.size;
  }

  private forgetExpired(now: number): void {
    for (const [nonce, expires] of this.expiries) if (expires < now) this.expiries.delete(nonce);
  }
}
