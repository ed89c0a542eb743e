import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  sign,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { Keyring } from './seal';

/**
 * Ed25519 signatures over documents that decide for every gateway (policy bundles,
 * revocations): whoever can write their Kafka topics cannot speak for the policy service
 * without its private key. Keys are 32 raw bytes in the usual keyrings: a private key is
 * its seed, a public key its encoded point.
 */
export interface DocumentSignature {
  readonly alg: 'Ed25519';
  /** Id of the key that signed, so keys can rotate. */
  readonly kid: string;
  /** base64url of the 64-byte signature. */
  readonly value: string;
}

// DER prefixes of PKCS#8 and SPKI encodings of Ed25519 keys (RFC 8410); the 32 key bytes follow.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PrivateKey(seed: Buffer): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

export function ed25519PublicKey(point: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, point]), format: 'der', type: 'spki' });
}

/** The 32-byte public point of a private key's seed. */
export function ed25519PublicPoint(seed: Buffer): Buffer {
  const spki = createPublicKey(ed25519PrivateKey(seed)).export({ format: 'der', type: 'spki' });
  return spki.subarray(SPKI_PREFIX.length);
}

/**
 * The bytes signed: a purpose string, so a signature made for one kind of document is never
 * valid for another, and the document's canonical JSON without its signature.
 */
function signedBytes(purpose: string, document: object): Buffer {
  const { signature: _ignored, ...rest } = document as { signature?: unknown };
  return Buffer.from(`embargo/${purpose}/v1\n${canonicalJson(rest)}`, 'utf8');
}

/** Signs with the keyring's active private key (seeds). */
export class DocumentSigner {
  private readonly key: KeyObject;
  readonly kid: string;

  constructor(privateKeys: Keyring) {
    this.kid = privateKeys.activeKeyId;
    this.key = ed25519PrivateKey(privateKeys.keys[this.kid]);
  }

  sign<T extends object>(purpose: string, document: T): T & { signature: DocumentSignature } {
    const value = sign(null, signedBytes(purpose, document), this.key).toString('base64url');
    return { ...document, signature: { alg: 'Ed25519', kid: this.kid, value } };
  }
}

/** Checks signatures against public keys by id; any key of the ring is accepted. */
export class DocumentVerifier {
  private readonly keys = new Map<string, KeyObject>();

  constructor(publicKeys: Keyring) {
    for (const [kid, point] of Object.entries(publicKeys.keys))
      this.keys.set(kid, ed25519PublicKey(point));
  }

  /** The verifier of a signer's own ring: every public key derived from its seeds. */
  static ofPrivateKeys(privateKeys: Keyring): DocumentVerifier {
    const keys: Record<string, Buffer> = {};
    for (const [kid, seed] of Object.entries(privateKeys.keys))
      keys[kid] = ed25519PublicPoint(seed);
    return new DocumentVerifier({ activeKeyId: privateKeys.activeKeyId, keys });
  }

  /** Why the document's signature does not hold, or undefined when it does. */
  problem(
    purpose: string,
    document: { readonly signature?: DocumentSignature },
  ): string | undefined {
    const sig = document.signature;
    if (sig === undefined) return 'it is not signed';
    const key = this.keys.get(sig.kid);
    if (key === undefined) return `it is signed with key "${sig.kid}", which is not trusted`;
    const bytes = Buffer.from(sig.value, 'base64url');
    if (bytes.length !== 64 || !verify(null, signedBytes(purpose, document), key, bytes))
      return `its signature does not match key "${sig.kid}"`;
    return undefined;
  }
}

/** An HMAC-SHA-256 tag in the place of a signature, for documents between holders of one secret. */
export interface DocumentMac {
  readonly alg: 'HS256';
  /** Id of the shared key it was made with, so keys can rotate. */
  readonly kid: string;
  /** base64url of the 32-byte tag. */
  readonly value: string;
}

/**
 * Tags documents that only services sharing a secret key ring write and read (the masking
 * workers' replies to the ingress): whoever can write their topic but lacks the ring cannot
 * make one the reader accepts. The tag covers the same purpose-separated bytes as a signature,
 * with a key derived from each key of the ring for this purpose alone (HKDF-SHA-256), so the
 * ring's other uses never share a key with it. Any key of the ring is accepted; the active one
 * tags.
 */
export class DocumentMacs {
  private readonly keys = new Map<string, Buffer>();
  private readonly activeKeyId: string;

  constructor(
    ring: Keyring,
    private readonly purpose: string,
  ) {
    this.activeKeyId = ring.activeKeyId;
    for (const [kid, key] of Object.entries(ring.keys))
      this.keys.set(kid, Buffer.from(hkdfSync('sha256', key, '', `embargo/${purpose}/mac`, 32)));
  }

  tag<T extends object>(document: T): T & { signature: DocumentMac } {
    const kid = this.activeKeyId;
    const value = this.mac(kid, document).toString('base64url');
    return { ...document, signature: { alg: 'HS256', kid, value } };
  }

  /** Why the document's tag does not hold, or undefined when it does. */
  problem(document: { readonly signature?: DocumentMac }): string | undefined {
    const tag = document.signature;
    if (tag === undefined) return 'it is not tagged';
    if (tag.alg !== 'HS256') return `it is tagged with ${String(tag.alg)}, not HS256`;
    if (!this.keys.has(tag.kid)) return `it is tagged with key "${tag.kid}", which is not known`;
    const given = Buffer.from(tag.value, 'base64url');
    const expected = this.mac(tag.kid, document);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return `its tag does not match key "${tag.kid}"`;
    return undefined;
  }

  private mac(kid: string, document: object): Buffer {
    const key = this.keys.get(kid);
    if (key === undefined) throw new Error(`no key "${kid}" in the ring`);
    return createHmac('sha256', key).update(signedBytes(this.purpose, document)).digest();
  }
}

/**
 * SHA-256 (base64url) of a document's purpose-separated canonical JSON: what a reply names
 * to say which request it answers, so it cannot be passed off as the answer to another.
 */
export function documentDigest(purpose: string, document: object): string {
  return createHash('sha256').update(signedBytes(purpose, document)).digest('base64url');
}
