import { Injectable } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import type { Principal } from '../identity';
import { IngressRedis } from '../limits/ingress-redis';

/**
 * How long past the moment a token stops verifying here its id is still remembered: other
 * gateway instances' clocks may run a little behind this one's.
 */
const REMEMBER_MARGIN_MS = 60_000;

/** What an exchanged token may do: its models, and whether it is good for one request. */
@Injectable()
export class TokenUse {
  constructor(private readonly redis: IngressRedis) {}

  /** Throws unless the model is one the token was issued for. */
  checkModel(principal: Principal, model: string): void {
    const models = scopedModels(principal);
    if (models && !models.includes(model)) {
      throw new EmbargoError(
        'forbidden',
        `This token is limited to the models ${models.join(', ')}`,
        { param: 'model' },
      );
    }
  }

  /**
   * Throws if a single-use token has been used: once spent, it opens nothing else either
   * (listing models included), without spending it when it has not.
   */
  async checkUnused(principal: Principal): Promise<void> {
    const jti = singleUseId(principal);
    if (jti === undefined) return;
    let used: number;
    try {
      used = await this.redis.client.exists(jtiKey(jti));
    } catch {
      throw new EmbargoError(
        'unavailable',
        'Single-use tokens cannot be checked right now; try again shortly',
      );
    }
    if (used)
      throw new EmbargoError('invalid_token', 'This single-use token has already been used');
  }

  /**
   * A single-use token's id is remembered in Redis for as long as the token can be accepted
   * (exp plus its issuer's clock tolerance, and a margin); a second use is refused.
   */
  async consume(principal: Principal): Promise<void> {
    const jti = singleUseId(principal);
    if (jti === undefined) return;
    const ttlMs = Math.max(0, principal.acceptedUntil * 1000 - Date.now()) + REMEMBER_MARGIN_MS;
    let first: string | null;
    try {
      first = await this.redis.client.set(jtiKey(jti), '1', 'PX', ttlMs, 'NX');
    } catch {
      throw new EmbargoError(
        'unavailable',
        'Single-use tokens cannot be checked right now; try again shortly',
      );
    }
    if (first !== 'OK')
      throw new EmbargoError('invalid_token', 'This single-use token has already been used');
  }
}

const jtiKey = (jti: string) => `embargo:jti:${jti}`;

/** A single-use token's id; undefined for any other token. Throws if it has none. */
function singleUseId(principal: Principal): string | undefined {
  if (principal.tokenKind !== 'exchanged' || principal.claims.emb_single_use !== true)
    return undefined;
  if (!principal.tokenId) throw new EmbargoError('invalid_token', 'Single-use token has no id');
  return principal.tokenId;
}

/** The models an exchanged token is scoped to; undefined for identity tokens. */
export function scopedModels(principal: Principal): string[] | undefined {
  if (principal.tokenKind !== 'exchanged') return undefined;
  const m = principal.claims.emb_models;
  return Array.isArray(m) ? m.filter((x): x is string => typeof x === 'string') : [];
}
