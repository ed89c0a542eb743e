import type { PrincipalSummary } from '@embargo/contracts';
import type { PrincipalInput } from '@embargo/policy';
import type { Principal } from '../identity';

/** The token's `iss` URL: what policies match on (the configured issuer name is only a prefix of ids). */
function issuerUrl(p: Principal): string {
  const iss = p.claims.iss;
  return typeof iss === 'string' ? iss : p.issuer;
}

export function toPolicyPrincipal(p: Principal): PrincipalInput {
  return {
    id: p.id,
    issuer: issuerUrl(p),
    subject: p.subject,
    roles: p.roles,
    groups: p.groups,
    scopes: p.scopes,
    claims: p.claims,
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
