import type { IssuerConfig, Principal } from '../identity';

/** What an exchanged token carries as claims of its own: its sub, roles and groups. */
export interface CarriedClaims {
  sub: string;
  roles: readonly string[];
  groups: readonly string[];
}

type Carried = keyof CarriedClaims;

/**
 * Where in the subject token's claims each carried value came from, as path segments
 * (`['realm_access', 'roles']`). Stored in exchanged tokens as `emb_moved`.
 */
export type ClaimSources = Partial<Record<Carried, string[]>>;

const CARRIED: readonly Carried[] = ['sub', 'roles', 'groups'];

/**
 * What an exchanged token says of the principal it was issued to: everything policies read
 * of the subject token, so a rule matching its claims or scopes applies to the exchanged
 * token as it did to the original. The subject's scopes travel as `emb_scopes`, apart from
 * the token's own OAuth `scope` (the models it was issued for).
 */
export interface SubjectClaims {
  sub: string;
  emb_pid: string;
  emb_sjti: string | undefined;
  emb_iss: string;
  emb_claims: Record<string, unknown>;
  emb_moved: ClaimSources;
  emb_scopes: readonly string[];
  roles: readonly string[];
  groups: readonly string[];
}

export function subjectClaims(
  subject: Principal,
  names: IssuerConfig['claims'] | undefined,
): SubjectClaims {
  const { claims, sources } = withoutCarried(
    { ...subject.claims },
    { sub: subject.subject, roles: subject.roles, groups: subject.groups },
    { sub: names?.principalId, roles: names?.roles, groups: names?.groups },
  );
  return {
    sub: subject.subject,
    emb_pid: subject.id,
    // Revoking the subject token's id revokes this token too.
    emb_sjti: subject.tokenId,
    emb_iss: typeof subject.claims.iss === 'string' ? subject.claims.iss : subject.issuer,
    emb_claims: claims,
    emb_moved: sources,
    emb_scopes: subject.scopes,
    roles: subject.roles,
    groups: subject.groups,
  };
}

/**
 * The subject token's claims for `emb_claims`, less the values the exchanged token already
 * carries as its sub, roles and groups, with where they were taken from. A large groups
 * claim would otherwise be in the token twice and could push it over the size the gateway
 * accepts. Only values that `restoreCarried` can put back exactly are left out.
 */
export function withoutCarried(
  claims: Record<string, unknown>,
  carried: CarriedClaims,
  names: Partial<Record<Carried, string | undefined>>,
): { claims: Record<string, unknown>; sources: ClaimSources } {
  let rest = claims;
  const sources: ClaimSources = {};
  for (const field of CARRIED) {
    const name = names[field];
    const path = name === undefined ? undefined : claimPath(rest, name);
    if (!path || !sameValue(valueAt(rest, path), carried[field])) continue;
    rest = updatedAt(rest, path, undefined);
    sources[field] = path;
  }
  return { claims: rest, sources };
}

/**
 * The subject token's claims as policies saw them: `emb_claims` with the carried values
 * put back where `emb_moved` says they came from. Tokens without `emb_moved` carry every
 * claim in `emb_claims` already.
 */
export function restoreCarried(
  claims: Record<string, unknown>,
  sources: unknown,
  carried: CarriedClaims,
): Record<string, unknown> {
  if (!isObject(sources)) return claims;
  let restored = claims;
  for (const field of CARRIED) {
    const path = sources[field];
    if (!isPath(path)) continue;
    const value = carried[field];
    restored = updatedAt(restored, path, typeof value === 'string' ? value : [...value]);
  }
  return restored;
}

/** As readClaim resolves a name: the exact claim name, else a dotted path through objects. */
function claimPath(claims: Record<string, unknown>, name: string): string[] | undefined {
  if (Object.hasOwn(claims, name)) return [name];
  const path = name.split('.');
  return path.length > 1 && valueAt(claims, path) !== undefined ? path : undefined;
}

function valueAt(claims: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const part of path) {
    if (!isObject(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

/** A copy with the value at path set (or removed, for undefined); the input is not changed. */
function updatedAt(
  claims: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [head, ...tail] = path;
  const copy = { ...claims };
  if (tail.length === 0) {
    if (value === undefined) delete copy[head];
    // Defined, not assigned: a claim named __proto__ stays a claim.
    else
      Object.defineProperty(copy, head, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return copy;
  }
  const inner = copy[head];
  if (!isObject(inner)) return claims;
  Object.defineProperty(copy, head, {
    value: updatedAt(inner, tail, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

function sameValue(claim: unknown, carried: string | readonly string[]): boolean {
  if (typeof carried === 'string') return claim === carried;
  return (
    Array.isArray(claim) &&
    claim.length === carried.length &&
    claim.every((v, i) => v === carried[i])
  );
}

function isPath(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((p) => typeof p === 'string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
