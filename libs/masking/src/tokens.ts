import { sivDecrypt, sivEncrypt } from './aes-siv';
import { type Keyring, MaskingError, subKey } from './keyring';

// Stored format: tokens end up in embeddings and logs, so never change it; add a v2 prefix instead.
const AD = [Buffer.from('embargo/token/v1', 'utf8')];
export const TOKEN_RE = /\btok_([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{22,})/g;
const TOKEN_EXACT_RE = /^tok_([A-Za-z0-9]{1,32})_([A-Za-z0-9_-]{22,})$/;
/** What the normalizer drops as hidden: zero-width characters, bidi controls, soft hyphen (Cf). */
const HIDDEN_RE = /\p{Cf}/gu;

/**
 * The value a token seals for a detected span: the span as the caller wrote it, minus hidden
 * characters, so detokenize gives back what was written (accents, scripts, full-width digits
 * kept) while spellings that differ only by invisible characters share one token.
 */
export function tokenValue(original: string): string {
  return original.replace(HIDDEN_RE, '');
}

/** Deterministic and reversible: AES-SIV under the active key; same value and key → same token. */
export function tokenize(value: string, keyring: Keyring): string {
  const { keyId, key } = subKey(keyring, 'tokenize');
  return `tok_${keyId}_${sivEncrypt(key, Buffer.from(value, 'utf8'), AD).toString('base64url')}`;
}

/** Inverse of tokenize with whichever key the token names (so rotated-out keys still open old tokens). */
export function detokenize(token: string, keyring: Keyring): string {
  const m = TOKEN_EXACT_RE.exec(token);
  if (m === null) throw new MaskingError('INVALID_TOKEN', 'not a token');
  const { key } = subKey(keyring, 'tokenize', m[1]);
  const plain = sivDecrypt(key, Buffer.from(m[2], 'base64url'), AD);
  if (plain === null)
    throw new MaskingError('INVALID_TOKEN', `token does not verify under key "${m[1]}"`);
  return plain.toString('utf8');
}

/** Replaces every token in `text` that verifies; others are left as they are. */
export function detokenizeText(text: string, keyring: Keyring): string {
  return reverseTokens(text, keyring).text;
}

/** detokenizeText, and how many tokens it reversed. */
export function reverseTokens(text: string, keyring: Keyring): { text: string; reversed: number } {
  let reversed = 0;
  const out = text.replace(TOKEN_RE, (tok) => {
    try {
      const value = detokenize(tok, keyring);
      reversed++;
      return value;
    } catch {
      return tok;
    }
  });
  return { text: out, reversed };
}
