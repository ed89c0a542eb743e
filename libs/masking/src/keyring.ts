import { hkdfSync } from 'node:crypto';

/**
 * Keys for hash, tokenize and fake. Each master key is expanded with HKDF-SHA-256 into one
 * sub-key per purpose, so one configured key serves all strategies without reuse across them.
 * Key ids appear in tokens (`tok_<keyid>_…`), so they are restricted to [A-Za-z0-9]{1,32}.
 */
export interface Keyring {
  readonly activeKeyId: string;
  readonly keys: Readonly<Record<string, Uint8Array>>;
}

export type MaskingErrorCode =
  'KEYRING_REQUIRED' | 'UNKNOWN_KEY_ID' | 'INVALID_KEY' | 'INVALID_TOKEN' | 'INVALID_RULE';

/** Domain error; messages name key ids at most, never key material or input text. */
export class MaskingError extends Error {
  constructor(
    readonly code: MaskingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MaskingError';
  }
}

export const KEY_ID_RE = /^[A-Za-z0-9]{1,32}$/;

export type KeyPurpose = 'hash' | 'tokenize' | 'fake';
const PURPOSE_LENGTH: Record<KeyPurpose, number> = { hash: 32, tokenize: 64, fake: 32 };

const derived = new WeakMap<Uint8Array, Map<KeyPurpose, Buffer>>();

export function subKey(
  keyring: Keyring | undefined,
  purpose: KeyPurpose,
  keyId?: string,
): { keyId: string; key: Buffer } {
  if (keyring === undefined)
    throw new MaskingError('KEYRING_REQUIRED', `strategy needs a keyring (${purpose})`);
  const id = keyId ?? keyring.activeKeyId;
  if (!KEY_ID_RE.test(id))
    throw new MaskingError('UNKNOWN_KEY_ID', 'key id must match [A-Za-z0-9]{1,32}');
  const master = Object.prototype.hasOwnProperty.call(keyring.keys, id)
    ? keyring.keys[id]
    : undefined;
  if (master === undefined)
    throw new MaskingError('UNKNOWN_KEY_ID', `no key with id "${id}" in the keyring`);
  if (master.length < 16)
    throw new MaskingError('INVALID_KEY', `key "${id}" is shorter than 16 bytes`);
  let perKey = derived.get(master);
  if (perKey === undefined) {
    perKey = new Map();
    derived.set(master, perKey);
  }
  let key = perKey.get(purpose);
  if (key === undefined) {
    key = Buffer.from(
      hkdfSync(
        'sha256',
        master,
        Buffer.alloc(0),
        `embargo/masking/${purpose}/v1`,
        PURPOSE_LENGTH[purpose],
      ),
    );
    perKey.set(purpose, key);
  }
  return { keyId: id, key };
}
