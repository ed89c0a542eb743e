import { randomBytes } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { seal, unseal } from './seal';

describe('seal', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('round-trips and names the key id', () => {
    const box = seal('card 4111 1111 1111 1111', { activeKeyId: 'k1', keys: { k1 } }, 'req-1');
    expect(box.kid).toBe('k1');
    expect(box.ciphertext).not.toContain('4111');
    expect(unseal(box, { activeKeyId: 'k1', keys: { k1 } }, 'req-1')).toBe(
      'card 4111 1111 1111 1111',
    );
  });

  it('still opens old boxes after the active key rotates', () => {
    const box = seal('secret', { activeKeyId: 'k1', keys: { k1 } }, 'r');
    const rotated = { activeKeyId: 'k2', keys: { k2, k1 } };
    expect(unseal(box, rotated, 'r')).toBe('secret');
    expect(seal('x', rotated, 'r').kid).toBe('k2');
  });

  it('refuses a tampered box or a box moved to another request', () => {
    const ring = { activeKeyId: 'k1', keys: { k1 } };
    const box = seal('secret', ring, 'req-1');
    expect(() => unseal(box, ring, 'req-2')).toThrow();
    const flipped = Buffer.from(box.ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      unseal({ ...box, ciphertext: flipped.toString('base64') }, ring, 'req-1'),
    ).toThrow();
  });

  it('refuses a shortened tag, which GCM alone would accept', () => {
    const ring = { activeKeyId: 'k1', keys: { k1 } };
    const box = seal('secret', ring, 'req-1');
    const short = Buffer.from(box.tag, 'base64').subarray(0, 4).toString('base64');
    expect(() => unseal({ ...box, tag: short }, ring, 'req-1')).toThrow(/malformed iv or tag/);
  });

  it('looks key ids up as keys only, not as object properties', () => {
    const ring = { activeKeyId: 'k1', keys: { k1 } };
    const box = seal('secret', ring, 'req-1');
    expect(() => unseal({ ...box, kid: '__proto__' }, ring, 'req-1')).toThrow(/no key with id/);
  });
});

describe('canonicalJson', () => {
  it('orders keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});
