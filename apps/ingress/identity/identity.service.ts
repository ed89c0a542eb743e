import { Inject, Injectable, Optional } from '@nestjs/common';
import { EmbargoError } from '@embargo/contracts';
import { LOGGER } from '@embargo/observability';
import { createHash, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import type { IssuerConfig } from './issuer-config';
import { JwksClient, KeySourceError } from './jwks';
import { checkAudience, checkTimes, decodeJwt, quote, TokenError, verifySignature } from './jwt';
import { buildPrincipal, type Principal } from './principal';
import { REVOCATION_CHECK, type RevocationCheck } from './revocation';
import { TokenCache } from './token-cache';

const KEY_OUTAGE_WARN_INTERVAL_MS = 60_000;

export interface VerifiedToken {
  principal: Principal;
  /** The key the signature was checked with (handed on to passport-jwt). */
  key: KeyObject;
}

/**
 * Verifies bearer tokens against the configured issuers and maps them to a Principal.
 * Per-issuer rules (iss, aud, algorithms, clock tolerance, size) are applied here because
 * passport-jwt's options are global. Verified tokens are cached by SHA-256 for at most
 * min(exp, maxTtl); revocation is checked on every call, cached or not.
 */
@Injectable()
export class IdentityService {
  private readonly byIssuer = new Map<string, { config: IssuerConfig; jwks: JwksClient }>();
  private readonly cache: TokenCache<VerifiedToken>;
  private readonly maxTokenBytes: number;
  private readonly keyOutages = new Map<string, { warnedAt: number; refused: number }>();

  constructor(
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    @Optional() @Inject(REVOCATION_CHECK) private readonly revocation?: RevocationCheck,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {
    for (const config of options.issuers) {
      // Inline keys are served by a fetcher that never leaves the process.
      const inline = config.keys;
      const source = inline ? { ...config, jwksUri: `inline:${config.name}` } : config;
      const fetcher = inline ? () => Promise.resolve({ keys: inline }) : undefined;
      const jwks = new JwksClient(source, options.jwks, fetcher, undefined, (err) =>
        this.logger?.warn(
          { issuer: config.name, err: (err as Error).message },
          'background JWKS refresh failed',
        ),
      );
      this.byIssuer.set(config.issuer, { config, jwks });
    }
    this.cache = new TokenCache(options.cache.maxEntries);
    this.maxTokenBytes = Math.max(...options.issuers.map((i) => i.maxTokenBytes));
  }

  /** Verifies a bearer token; throws EmbargoError invalid_token, token_revoked or unavailable. */
  async verify(token: string): Promise<Principal> {
    return (await this.verifyWithKey(token)).principal;
  }

  /**
   * The principal of a token this instance verified before and whose cache entry is still
   * live (never past the token's exp), after the revocation check; undefined when the token
   * has to be verified in full. Throws like verify for oversized or revoked tokens.
   */
  verifiedBefore(token: string): Principal | undefined {
    const verified = this.cache.get(this.cacheKey(token));
    if (verified) this.checkRevocation(verified.principal);
    return verified?.principal;
  }

  /** As verify, also returning the verification key (for the passport strategy). */
  async verifyWithKey(token: string): Promise<VerifiedToken> {
    const cacheKey = this.cacheKey(token);
    let verified = this.cache.get(cacheKey);
    if (!verified) {
      verified = await this.verifyUncached(token);
      const ttlEnd = Math.min(
        verified.principal.expiresAt * 1000,
        Date.now() + this.options.cache.maxTtlSeconds * 1000,
      );
      this.cache.set(cacheKey, verified, ttlEnd);
    }
    this.checkRevocation(verified.principal);
    return verified;
  }

  private cacheKey(token: string): string {
    // Tokens are ASCII when well formed, so length is the byte count; anything else fails to decode.
    if (token.length > this.maxTokenBytes) {
      throw new EmbargoError(
        'invalid_token',
        `Bearer token is too large (over ${this.maxTokenBytes} bytes)`,
      );
    }
    return createHash('sha256').update(token).digest('base64');
  }

  /** Union of configured algorithms (passport-jwt's global allow-list; per-issuer lists are enforced here). */
  allAlgorithms(): string[] {
    return [...new Set(this.options.issuers.flatMap((i) => i.algorithms))];
  }

  /** Which claims a configured issuer's tokens name the principal, roles, groups and scopes with. */
  claimNames(issuerName: string): IssuerConfig['claims'] | undefined {
    for (const { config } of this.byIssuer.values())
      if (config.name === issuerName) return config.claims;
    return undefined;
  }

  maxClockToleranceSeconds(): number {
    return Math.max(...this.options.issuers.map((i) => i.clockToleranceSeconds));
  }

  private async verifyUncached(token: string): Promise<VerifiedToken> {
    try {
      const jwt = decodeJwt(token);
      const iss = jwt.payload.iss;
      if (typeof iss !== 'string')
        throw new TokenError('malformed', 'Bearer token has no iss (issuer) claim');
      const entry = this.byIssuer.get(iss);
      if (!entry)
        throw new TokenError(
          'unknown_issuer',
          `Bearer token issuer ${quote(iss)} is not trusted by this gateway`,
        );
      const { config, jwks } = entry;
      if (token.length > config.maxTokenBytes) {
        throw new TokenError(
          'too_large',
          `Bearer token is too large (over ${config.maxTokenBytes} bytes)`,
        );
      }
      const alg = jwt.header.alg;
      if (!(config.algorithms as string[]).includes(alg)) {
        throw new TokenError(
          'algorithm_not_allowed',
          `Bearer token algorithm ${quote(alg)} is not allowed for issuer ${quote(config.name)} (allowed: ${config.algorithms.join(', ')})`,
        );
      }
      if (jwt.header.crit !== undefined)
        throw new TokenError(
          'malformed',
          'Bearer token uses crit header extensions, which are not supported',
        );
      const key = await jwks.getKey(jwt.header.kid, alg).catch((err: unknown) => {
        if (err instanceof KeySourceError) this.warnKeysUnavailable(config.name, err.message);
        throw err;
      });
      if (!verifySignature(jwt, key))
        throw new TokenError('bad_signature', 'Bearer token signature is invalid');
      const exp = checkTimes(jwt.payload, {
        nowSeconds: Math.floor(Date.now() / 1000),
        clockToleranceSeconds: config.clockToleranceSeconds,
      });
      checkAudience(jwt.payload, config.audience);
      return { principal: buildPrincipal(config, jwt.payload, exp), key };
    } catch (err) {
      if (err instanceof TokenError) throw new EmbargoError('invalid_token', err.message);
      if (err instanceof KeySourceError) {
        throw new EmbargoError('unavailable', err.message, { retryAfterSeconds: 5 });
      }
      throw err;
    }
  }

  /**
   * One warning per issuer per minute while its keys cannot be had, with how many requests
   * were refused since the last: an outage of the identity provider must not flood the log.
   */
  private warnKeysUnavailable(issuer: string, message: string): void {
    const now = Date.now();
    const seen = this.keyOutages.get(issuer);
    if (seen && now - seen.warnedAt < KEY_OUTAGE_WARN_INTERVAL_MS) {
      seen.refused++;
      return;
    }
    this.keyOutages.set(issuer, { warnedAt: now, refused: 0 });
    this.logger?.warn(
      { issuer, err: message, refusedSinceLastWarning: seen?.refused ?? 0 },
      'JWKS unavailable',
    );
  }

  private checkRevocation(principal: Principal): void {
    if (!this.revocation) return;
    if (this.revocation.ready?.() === false)
      throw new EmbargoError(
        'unavailable',
        'The gateway is still loading its revocation list; retry shortly',
        {
          retryAfterSeconds: 1,
        },
      );
    let revoked: boolean;
    try {
      revoked = this.revocation.isRevoked(principal.id, tokenIds(principal));
    } catch (err) {
      // Fail closed: an unreadable revocation list admits no one.
      this.logger?.error({ err }, 'revocation check failed');
      throw new EmbargoError('unavailable', 'Revocation list is unavailable; retry shortly', {
        retryAfterSeconds: 5,
      });
    }
    if (revoked) {
      throw new EmbargoError(
        'token_revoked',
        `Bearer token has been revoked for principal ${quote(principal.id)}`,
      );
    }
  }
}

/**
 * The token ids a revocation may name: the token's own and, for an exchanged token, the
 * identity token it was exchanged for (`emb_sjti`), so revoking a leaked token also ends
 * what was exchanged for it.
 */
function tokenIds(principal: Principal): string[] {
  const subjectJti = principal.tokenKind === 'exchanged' ? principal.claims.emb_sjti : undefined;
  return [principal.tokenId, subjectJti].filter((id): id is string => typeof id === 'string');
}
