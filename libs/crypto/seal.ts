import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Keyring {
  activeKeyId: string;
  keys: Record<string, Buffer>;
}

export interface SealedBox {
  alg: 'A256GCM';
  kid: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/**
 * AES-256-GCM with the active key; the box names its key id so older boxes stay
 * readable after rotation. `aad` binds the box to its context (e.g. the request id).
 */
export function seal(plaintext: string, keyring: Keyring, aad: string): SealedBox {
  const key = keyring.keys[keyring.activeKeyId];
  if (!key || key.length !== 32) throw new Error('active sealing key is missing or not 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    alg: 'A256GCM',
    kid: keyring.activeKeyId,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

export function unseal(box: SealedBox, keyring: Keyring, aad: string): string {
  const key = Object.hasOwn(keyring.keys, box.kid) ? keyring.keys[box.kid] : undefined;
  if (!key) throw new Error(`no key with id ${box.kid} in the keyring`);
  const iv = Buffer.from(box.iv, 'base64');
  const tag = Buffer.from(box.tag, 'base64');
  // GCM accepts shorter tags, and a 4-byte tag is forged in about 2^32 tries: only the
  // full 16 bytes (and the 12-byte IV seal() writes) are accepted.
  if (iv.length !== 12 || tag.length !== 16)
    throw new Error('sealed box has a malformed iv or tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(Buffer.from(box.ciphertext, 'base64')),
    decipher.final(),
  ]).toString('utf8');
}
