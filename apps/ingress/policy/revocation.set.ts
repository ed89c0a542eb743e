import { Injectable } from '@nestjs/common';
import type { Revocation } from '@embargo/contracts';

/** Revoked principals and token ids, fed from the compacted revocations topic. */
@Injectable()
export class RevocationSet {
  private readonly principals = new Map<string, number>();
  private readonly tokens = new Map<string, number>();

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
