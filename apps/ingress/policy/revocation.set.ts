import { Injectable } from '@nestjs/common';
import type { Revocation } from '@embargo/contracts';
import type { RevocationCheck } from '../identity/revocation';

/**
 * Revoked principals and token ids, fed from the compacted revocations topic. Until that
 * topic has been read to the end it had at start, the set is incomplete and says so.
 */
@Injectable()
export class RevocationSet implements RevocationCheck {
  private readonly principals = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  /** The signed `revokedAt` of the newest record applied per kind and value. */
  private readonly newest = new Map<string, number>();
  private loaded = false;

  markLoaded(): void {
    this.loaded = true;
  }

  ready(): boolean {
    return this.loaded;
  }

  /**
   * Applies a record unless one revoked or lifted later (by its signed `revokedAt`) was
   * applied already: a genuine old record written to the topic again (an earlier lift
   * replayed after a new revocation) changes nothing. Returns whether it applied.
   */
  apply(r: Revocation): boolean {
    const key = `${r.kind}:${r.value}`;
    const at = Date.parse(r.revokedAt);
    if (at < (this.newest.get(key) ?? Number.NEGATIVE_INFINITY)) return false;
    this.newest.set(key, at);
    const map = r.kind === 'principal' ? this.principals : this.tokens;
    if (!r.active) map.delete(r.value);
    else map.set(r.value, r.until ? Date.parse(r.until) : Number.POSITIVE_INFINITY);
    return true;
  }

  isRevoked(principalId: string, tokenIds: readonly string[]): boolean {
    const now = Date.now();
    const p = this.principals.get(principalId);
    if (p !== undefined && p > now) return true;
    return tokenIds.some((id) => {
      const t = this.tokens.get(id);
      return t !== undefined && t > now;
    });
  }
}
