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

// A token's body ends where its sealed value does, but letters, digits, '-' and '_' are base64url
// characters too: a token written right before "_backup", "-prod" or another token reads as one
// longer run. A run that does not verify is tried again shorter, by up to GLUED_MAX characters,
// and from right before each token written inside it. Those retries are counted per text, so a
// text full of runs that only look like tokens costs a bounded number of decryptions.
const GLUED_MAX = 64;
const RETRIES_PER_TEXT = 4096;
/** The smallest body: the 16-byte synthetic IV of an empty value. */
const BODY_MIN = 22;
const INNER_TOKEN_RE = /^tok_[A-Za-z0-9]{1,32}_[A-Za-z0-9_-]{22}/;

/**
 * detokenizeText, and how many tokens it reversed. What follows a token inside a run (the glued
 * characters, another token) is kept, and reversed in turn.
 */
export function reverseTokens(text: string, keyring: Keyring): { text: string; reversed: number } {
  return reverseWithin(text, keyring, { retries: RETRIES_PER_TEXT });
}

function reverseWithin(
  text: string,
  keyring: Keyring,
  budget: { retries: number },
): { text: string; reversed: number } {
  let reversed = 0;
  const out = text.replace(TOKEN_RE, (tok: string, keyId: string, body: string) => {
    for (const end of bodyEnds(body)) {
      if (end !== body.length && budget.retries-- <= 0) break;
      let plain: string | undefined;
      try {
        plain = open(keyId, body.slice(0, end), keyring);
      } catch {
        // A key id the ring does not hold: not a token this gateway made.
        return tok;
      }
      if (plain === undefined) continue;
      const rest = reverseWithin(body.slice(end), keyring, budget);
      reversed += 1 + rest.reversed;
      return plain + rest.text;
    }
    return tok;
  });
  return { text: out, reversed };
}

/**
 * Where a run's token may end, longest first: the whole run, right before each token written
 * inside it, then up to GLUED_MAX characters shorter, at lengths base64url can have (never one
 * more than a multiple of 4).
 */
function bodyEnds(body: string): number[] {
  const ends = [body.length];
  for (let k = body.indexOf('tok_', BODY_MIN); k !== -1; k = body.indexOf('tok_', k + 1))
    if (INNER_TOKEN_RE.test(body.slice(k))) ends.push(k);
  for (let end = body.length - 1; end >= BODY_MIN && body.length - end <= GLUED_MAX; end--)
    if (end % 4 !== 1) ends.push(end);
  return ends;
}
