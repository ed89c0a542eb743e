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

/**
 * Inverse of tokenize with whichever key the token names (so rotated-out keys still open old
 * tokens). Only the canonical base64url of a sealed value opens: a token with a stray character
 * after it (which lenient base64url decoding would drop) is not that token.
 */
export function detokenize(token: string, keyring: Keyring): string {
  const m = TOKEN_EXACT_RE.exec(token);
  if (m === null) throw new MaskingError('INVALID_TOKEN', 'not a token');
  const plain = open(m[1], m[2], keyring);
  if (plain === undefined)
    throw new MaskingError('INVALID_TOKEN', `token does not verify under key "${m[1]}"`);
  return plain;
}

function open(keyId: string, body: string, keyring: Keyring): string | undefined {
  const sealed = Buffer.from(body, 'base64url');
  if (sealed.toString('base64url') !== body) return undefined;
  const { key } = subKey(keyring, 'tokenize', keyId);
  return sivDecrypt(key, sealed, AD)?.toString('utf8');
}

/** Replaces every token in `text` that verifies; others are left as they are. */
export function detokenizeText(text: string, keyring: Keyring): string {
  return reverseTokens(text, keyring).text;
}

// A token's body ends where its sealed value does, but '-' and '_' are base64url characters
// too: a token followed by "--" or "_" reads as one longer run. That many are taken back.
const GLUED_MAX = 8;

/**
 * detokenizeText, and how many tokens it reversed. A run that does not verify is tried again
 * without up to GLUED_MAX trailing '-' or '_', which then stay in the text after the value.
 */
export function reverseTokens(text: string, keyring: Keyring): { text: string; reversed: number } {
  let reversed = 0;
  const out = text.replace(TOKEN_RE, (tok: string, keyId: string, body: string) => {
    try {
      for (let end = body.length, glued = 0; end >= 22 && glued <= GLUED_MAX; glued++) {
        const plain = open(keyId, body.slice(0, end), keyring);
        if (plain !== undefined) {
          reversed++;
          return plain + body.slice(end);
        }
        const last = body.charCodeAt(end - 1);
        if (last !== 45 && last !== 95) break;
        end--;
      }
    } catch {
      // A key id the ring does not hold: not a token this gateway made.
    }
    return tok;
  });
  return { text: out, reversed };
}
