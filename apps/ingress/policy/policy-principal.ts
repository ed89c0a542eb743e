import type { PrincipalSummary } from '@embargo/contracts';
import type { PrincipalInput } from '@embargo/policy';
import { restoreCarried } from '../exchange/exchanged-claims';
import type { Principal } from '../identity';

/**
 * The token's `iss` URL: what policies match on (the configured issuer name is only a
 * prefix of ids). A token from the gateway's exchange carries its original issuer.
 */
function issuerUrl(p: Principal): string {
  const iss = p.tokenKind === 'exchanged' ? p.claims.emb_iss : p.claims.iss;
  return typeof iss === 'string' ? iss : p.issuer;
}

/**
 * The claims policies see: for an exchanged token, the original token's claims, with the
 * sub, roles and groups the token carries once put back where they came from.
 */
function policyClaims(p: Principal): Record<string, unknown> {
  if (p.tokenKind !== 'exchanged') return p.claims;
  const original = p.claims.emb_claims;
  if (!original || typeof original !== 'object' || Array.isArray(original)) return {};
  return restoreCarried(original as Record<string, unknown>, p.claims.emb_moved, {
    sub: p.subject,
    roles: p.roles,
    groups: p.groups,
  });
}

export function toPolicyPrincipal(p: Principal): PrincipalInput {
  return {
    id: p.id,
    issuer: issuerUrl(p),
    subject: p.subject,
    roles: p.roles,
    groups: p.groups,
    scopes: p.scopes,
    claims: policyClaims(p),
  };
}

/** What the audit trail records of a principal: who, never the token. */
export function summarize(p: Principal): PrincipalSummary {
  return {
    id: p.id,
    issuer: issuerUrl(p),
    subject: p.subject,
    roles: p.roles.slice(0, 200),
    groups: p.groups.slice(0, 500),
  };
}
