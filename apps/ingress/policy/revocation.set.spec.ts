import type { Revocation } from '@embargo/contracts';
import { RevocationSet } from './revocation.set';

const revocation = (
  r: Pick<Revocation, 'kind' | 'value' | 'active'>,
  revokedAt = '2026-11-22T00:00:00Z',
): Revocation => ({
  ...r,
  revokedBy: 'admin:security',
  revokedAt,
  signature: { alg: 'Ed25519', kid: 'p1', value: 'A'.repeat(86) },
});

describe('RevocationSet', () => {
  const set = new RevocationSet();
  set.apply(revocation({ kind: 'token', value: 'leaked-jti', active: true }));
  set.apply(revocation({ kind: 'principal', value: 'ci:repo:org/app', active: true }));

  it('refuses a token when any of its ids is revoked, e.g. the one it was exchanged for', () => {
    expect(set.isRevoked('k8s:indexer', ['fresh-jti', 'leaked-jti'])).toBe(true);
    expect(set.isRevoked('k8s:indexer', ['fresh-jti'])).toBe(false);
    expect(set.isRevoked('k8s:indexer', [])).toBe(false);
  });

  it('refuses every token of a revoked principal, and lifts a revocation made inactive', () => {
    expect(set.isRevoked('ci:repo:org/app', [])).toBe(true);
    set.apply(revocation({ kind: 'principal', value: 'ci:repo:org/app', active: false }));
    expect(set.isRevoked('ci:repo:org/app', [])).toBe(false);
  });

  it('ignores an older record written again: a replayed lift does not undo a newer revocation', () => {
    const replays = new RevocationSet();
    const who = { kind: 'principal' as const, value: 'svc:replayed' };
    const lift = revocation({ ...who, active: false }, '2026-11-22T10:00:00Z');
    replays.apply(revocation({ ...who, active: true }, '2026-11-22T09:00:00Z'));
    replays.apply(lift);
    expect(replays.isRevoked('svc:replayed', [])).toBe(false);
    expect(replays.apply(revocation({ ...who, active: true }, '2026-11-22T11:00:00Z'))).toBe(true);
    expect(replays.apply(lift)).toBe(false);
    expect(replays.isRevoked('svc:replayed', [])).toBe(true);
  });
});
