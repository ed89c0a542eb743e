import { randomBytes } from 'node:crypto';
import { DocumentSigner, DocumentVerifier, ed25519PublicPoint } from './signing';

const ring = (kid: string, key: Buffer) => ({ activeKeyId: kid, keys: { [kid]: key } });

describe('document signatures', () => {
  const seed = randomBytes(32);
  const signer = new DocumentSigner(ring('p1', seed));
  const verifier = new DocumentVerifier(ring('p1', ed25519PublicPoint(seed)));
  const revocation = { kind: 'principal', value: 'svc-a', active: true, until: undefined };

  it('verifies what the signer signed, whatever the order of its keys', () => {
    const signed = signer.sign('revocation', revocation);
    expect(signed.signature).toMatchObject({ alg: 'Ed25519', kid: 'p1' });
    expect(signed.signature.value).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verifier.problem('revocation', signed)).toBeUndefined();
    const reordered = {
      signature: signed.signature,
      active: true,
      value: 'svc-a',
      kind: 'principal',
    };
    expect(verifier.problem('revocation', reordered)).toBeUndefined();
  });

  it('refuses a changed field, an unsigned document and another purpose', () => {
    const signed = signer.sign('revocation', revocation);
    const changed = { ...signed, active: false };
    const extended = { ...signed, extra: 1 };
    expect(verifier.problem('revocation', changed)).toMatch(/does not match key "p1"/);
    expect(verifier.problem('revocation', extended)).toMatch(/does not match/);
    expect(verifier.problem('revocation', { ...revocation, signature: undefined })).toBe(
      'it is not signed',
    );
    expect(verifier.problem('policy-bundle', signed)).toMatch(/does not match/);
  });

  it('refuses a key it does not trust, even under a trusted key id', () => {
    const other = new DocumentSigner(ring('p1', randomBytes(32)));
    expect(verifier.problem('revocation', other.sign('revocation', revocation))).toMatch(
      /does not match key "p1"/,
    );
    const unknown = new DocumentSigner(ring('x9', randomBytes(32)));
    expect(verifier.problem('revocation', unknown.sign('revocation', revocation))).toMatch(
      /key "x9", which is not trusted/,
    );
  });

  it('refuses a signature of the wrong length', () => {
    const signed = signer.sign('revocation', revocation);
    const cut = { ...signed, signature: { ...signed.signature, value: 'AAAA' } };
    expect(verifier.problem('revocation', cut)).toMatch(/does not match/);
  });

  it('keeps verifying older keys of a rotated ring; re-signing uses the active key', () => {
    const newSeed = randomBytes(32);
    const rotated = {
      activeKeyId: 'p2',
      keys: { p2: newSeed, p1: seed },
    };
    const own = DocumentVerifier.ofPrivateKeys(rotated);
    const old = signer.sign('policy-bundle', { version: 1 });
    expect(own.problem('policy-bundle', old)).toBeUndefined();
    const again = new DocumentSigner(rotated).sign('policy-bundle', old);
    expect(again.signature.kid).toBe('p2');
    expect(own.problem('policy-bundle', again)).toBeUndefined();
    // A gateway that only knows the old public key refuses the re-signed one.
    expect(verifier.problem('policy-bundle', again)).toMatch(/not trusted/);
  });
});
