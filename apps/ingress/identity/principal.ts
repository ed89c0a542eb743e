import { IDENTITY_LIMITS } from '@embargo/contracts';
import type { IssuerConfig } from './issuer-config';
import { TokenError } from './jwt';

/** Who is calling, as established from a verified token. */
export interface Principal {
  /** `<issuer name>:<principal claim>`, e.g. "ci:repo:org/app:ref:refs/heads/main". */
  id: string;
  /** The issuer's configured name. */
  issuer: string;
  /** The principal claim's value (by default `sub`). */
  subject: string;
  roles: string[];
  groups: string[];
  scopes: string[];
  /** The verified claims. */
  claims: Readonly<Record<string, unknown>>;
  /** The token's jti, when it has one. */
  tokenId?: string;
  /** Token expiry, epoch seconds. */
  expiresAt: number;
  /** Until when (epoch seconds, exclusive) the token verifies: exp plus the issuer's clock tolerance. */
  acceptedUntil: number;
  tokenKind: 'identity' | 'exchanged';
}

/**
 * A claim by exact name, else by dotted path ("realm_access.roles" in Keycloak tokens). A
 * token holding both a claim named "a.b" and a path a.b is refused: an identity provider that
 * lets users add claims of their own would otherwise let one of them choose their roles.
 */
export function readClaim(claims: Record<string, unknown>, name: string): unknown {
  const nested = name.includes('.') ? claimAtPath(claims, name.split('.')) : undefined;
  if (!Object.hasOwn(claims, name)) return nested;
  if (nested !== undefined)
    throw new TokenError(
      'malformed',
      `Bearer token has both a claim named ${JSON.stringify(name)} and that path through its claims`,
    );
  return claims[name];
}

function claimAtPath(claims: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function stringList(value: unknown, splitSpaces: boolean): string[] {
  if (typeof value === 'string')
    return splitSpaces ? value.split(' ').filter(Boolean) : value ? [value] : [];
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
}

/** Maps verified claims to a Principal with the issuer's claim names. Frozen: it is cached and shared. */
export function buildPrincipal(
  issuer: IssuerConfig,
  claims: Record<string, unknown>,
  expiresAt: number,
): Principal {
  const raw = readClaim(claims, issuer.claims.principalId);
  // A number past 2^53 has lost digits in JSON parsing: two callers would share one id.
  if (typeof raw === 'number' && !Number.isSafeInteger(raw))
    throw new TokenError(
      'malformed',
      `Bearer token's ${JSON.stringify(issuer.claims.principalId)} claim is not an exact integer; identify the caller with a string`,
    );
  const subject = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : '';
  if (!subject) {
    throw new TokenError(
      'missing_claim',
      `Bearer token has no ${JSON.stringify(issuer.claims.principalId)} claim to identify the caller`,
    );
  }
  // Revocations name ids exactly and the policy service refuses one with blanks at its ends
  // (as a pasting mistake): a caller whose id had them could never be revoked.
  if (subject.trim() !== subject)
    throw new TokenError(
      'malformed',
      `Bearer token's ${JSON.stringify(issuer.claims.principalId)} claim has blanks at its start or end, so its principal could not be revoked`,
    );
  const roles = issuer.claims.roles
    ? stringList(readClaim(claims, issuer.claims.roles), false)
    : [];
  const groups = issuer.claims.groups
    ? stringList(readClaim(claims, issuer.claims.groups), false)
    : [];
  const scopes = issuer.claims.scopes
    ? stringList(readClaim(claims, issuer.claims.scopes), true)
    : [];
  // A token from the gateway's own exchange keeps the id of the principal it was issued to.
  const exchangedFor =
    issuer.tokenKind === 'exchanged' && typeof claims.emb_pid === 'string'
      ? claims.emb_pid
      : undefined;
  if (issuer.tokenKind === 'exchanged' && !exchangedFor) {
    throw new TokenError('missing_claim', 'Exchanged token names no principal');
  }
  const principal: Principal = {
    id: exchangedFor ?? `${issuer.name}:${subject}`,
    issuer: issuer.name,
    subject,
    roles: Object.freeze(roles) as string[],
    groups: Object.freeze(groups) as string[],
    scopes: Object.freeze(scopes) as string[],
    claims: Object.freeze({ ...claims }),
    expiresAt,
    acceptedUntil: expiresAt + issuer.clockToleranceSeconds,
    tokenKind: issuer.tokenKind,
  };
  if (typeof claims.jti === 'string' && claims.jti) {
    if (claims.jti.trim() !== claims.jti)
      throw new TokenError(
        'malformed',
        "Bearer token's jti has blanks at its start or end, so the token could not be revoked",
      );
    principal.tokenId = claims.jti;
  }
  checkLengths(principal);
  return Object.freeze(principal);
}

/** Every part the audit trail records must fit its event; otherwise the token is refused. */
function checkLengths(p: Principal): void {
  const L = IDENTITY_LIMITS;
  const tooLong = (what: string, limit: number) =>
    new TokenError('claim_too_long', `Bearer token's ${what} is longer than ${limit} characters`);
  if (p.id.length > L.principalId) throw tooLong('principal id', L.principalId);
  if (p.subject.length > L.subject) throw tooLong('principal claim', L.subject);
  if ((p.tokenId?.length ?? 0) > L.tokenId) throw tooLong('jti', L.tokenId);
  if ([...p.roles, ...p.groups].some((n) => n.length > L.name))
    throw tooLong('role or group name', L.name);
}
