import { createHmac, randomBytes } from 'node:crypto';
import {
  DocumentMacs,
  DocumentSigner,
  DocumentVerifier,
  documentDigest,
  ed25519PublicPoint,
} from './signing';

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

describe('document tags with a shared key ring', () => {
  const key = randomBytes(32);
  const macs = new DocumentMacs(ring('m1', key), 'mask-reply');
  const reply = { requestId: 'r1', offset: 0, texts: ['<EMAIL_ADDRESS>'] };

  it('accepts what a holder of the ring tagged, under any key of the ring', () => {
    const tagged = macs.tag(reply);
    expect(tagged.signature).toMatchObject({ alg: 'HS256', kid: 'm1' });
    expect(tagged.signature.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(macs.problem(tagged)).toBeUndefined();
    // After rotation the retired key still reads what it tagged.
    const rotated = new DocumentMacs(
      { activeKeyId: 'm2', keys: { m1: key, m2: randomBytes(32) } },
      'mask-reply',
    );
    expect(rotated.problem(tagged)).toBeUndefined();
    expect(rotated.tag(reply).signature.kid).toBe('m2');
  });

  it('refuses a changed field, another key under the same id, another purpose and no tag', () => {
    const tagged = macs.tag(reply);
    const changed = { ...tagged, texts: ['alice@example.com'] };
    expect(macs.problem(changed)).toBe('its tag does not match key "m1"');
    const impostor = new DocumentMacs(ring('m1', randomBytes(32)), 'mask-reply');
    expect(macs.problem(impostor.tag(reply))).toBe('its tag does not match key "m1"');
    expect(new DocumentMacs(ring('m1', key), 'other').problem(tagged)).toMatch(/does not match/);
    expect(macs.problem({ ...reply, signature: undefined })).toBe('it is not tagged');
    const unknown = { ...tagged, signature: { ...tagged.signature, kid: 'zz' } };
    expect(macs.problem(unknown)).toBe('it is tagged with key "zz", which is not known');
  });

  it('derives its key for the purpose: the ring key itself tags nothing it accepts', () => {
    const plain = createHmac('sha256', key)
      .update(`embargo/mask-reply/v1\n${JSON.stringify(reply)}`)
      .digest('base64url');
    const forged = { ...reply, signature: { alg: 'HS256' as const, kid: 'm1', value: plain } };
    expect(macs.problem(forged)).toMatch(/does not match/);
  });

  it('digests the same document the same, whatever its key order, and per purpose', () => {
    expect(documentDigest('a', { x: 1, y: [2] })).toBe(documentDigest('a', { y: [2], x: 1 }));
    expect(documentDigest('a', { x: 1 })).not.toBe(documentDigest('b', { x: 1 }));
    expect(documentDigest('a', { x: 1 })).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
