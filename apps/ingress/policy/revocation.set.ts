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
  private loaded = false;

  markLoaded(): void {
    this.loaded = true;
  }

  ready(): boolean {
    return this.loaded;
  }

  apply(r: Revocation): void {
    const map = r.kind === 'principal' ? this.principals : this.tokens;
    if (!r.active) {
      map.delete(r.value);
      return;
    }
    map.set(r.value, r.until ? Date.parse(r.until) : Number.POSITIVE_INFINITY);
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
