import type { Type } from '@nestjs/common';
import type { IssuerConfig, IssuerConfigInput } from './issuer-config';
import type { JwksOptions } from './jwks';
import type { RevocationCheck } from './revocation';

export const IDENTITY_OPTIONS = Symbol('IDENTITY_OPTIONS');

export interface IdentityModuleOptions {
  issuers: (IssuerConfig | IssuerConfigInput)[];
  jwks?: Partial<JwksOptions>;
  /** Verified-token cache. Entries live until min(exp, maxTtlSeconds). */
  cache?: { maxEntries?: number; maxTtlSeconds?: number };
  /** Alternatively provide REVOCATION_CHECK from a global module. */
  revocation?: RevocationCheck | Type<RevocationCheck>;
}

export interface ResolvedIdentityOptions {
  issuers: IssuerConfig[];
  jwks: JwksOptions;
  cache: { maxEntries: number; maxTtlSeconds: number };
}
