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
// longer run. Each token start is tried with the run up to the next token start, then shorter
// by up to GLUED_MAX characters. Retries are counted per text (a token that opens gets back
// those a separator or a short word cost it), so a text full of runs that only look like
// tokens, or of tokens with long tails, costs a bounded number of decryptions.
const GLUED_MAX = 64;
const RETRIES_PER_TEXT = 4096;
/** The smallest body: the 16-byte synthetic IV of an empty value. */
const BODY_MIN = 22;
const TOKEN_HEAD_RE = /tok_([A-Za-z0-9]{1,32})_/g;

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isBodyChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95;
}

/**
 * detokenizeText, and how many tokens it reversed. Each "tok_<key id>_" not preceded by a letter
 * or a digit, or right after a token read, may start a token; its body runs to the next
 * "tok_<key id>_" (or, when that fails, the one after it, since a ciphertext may spell one).
 * Read once from left to right, so the cost is linear in the text plus the bounded retries.
 */
export function reverseTokens(text: string, keyring: Keyring): { text: string; reversed: number } {
  let out = '';
  let last = 0;
  let reversed = 0;
  const budget = { retries: RETRIES_PER_TEXT };
  TOKEN_HEAD_RE.lastIndex = 0;
  let head = TOKEN_HEAD_RE.exec(text);
  while (head !== null) {
    const start = head.index;
    const keyId = head[1];
    const bodyStart = TOKEN_HEAD_RE.lastIndex;
    // The next start, found before this one is tried: it bounds this body.
    TOKEN_HEAD_RE.lastIndex = bodyStart;
    let next = TOKEN_HEAD_RE.exec(text);
    // Right after a token read, another may follow with nothing between.
    if (startsToken(text, start) || (reversed > 0 && start === last)) {
      const stop = next !== null ? next.index : text.length;
      let limit = runEnd(text, bodyStart, stop);
      let opened = openRun(text, keyId, bodyStart, limit, keyring, budget);
      if (opened === undefined && limit === stop && next !== null) {
        FURTHER_HEAD_RE.lastIndex = next.index + 1;
        limit = runEnd(text, stop, FURTHER_HEAD_RE.exec(text)?.index ?? text.length);
        opened = openRun(text, keyId, bodyStart, limit, keyring, budget);
      }
      if (opened !== undefined) {
        out += text.slice(last, start) + opened.plain;
        last = opened.end;
        reversed++;
        // A start inside the token just read is part of it; one may begin right at its end,
        // even inside a start read before ("…tok_tok_k1_…").
        TOKEN_HEAD_RE.lastIndex = opened.end;
        next = TOKEN_HEAD_RE.exec(text);
      }
    }
    head = next;
  }
  return { text: out + text.slice(last), reversed };
}

/** The same starts, searched beyond the next one without moving TOKEN_HEAD_RE. */
const FURTHER_HEAD_RE = new RegExp(TOKEN_HEAD_RE.source, 'g');
/** Retries refunded when a token opens: those a separator or a short word after it costs. */
const REFUND_MAX = 4;

/** Where the run of base64url characters from k ends, at stop at the latest. */
function runEnd(text: string, k: number, stop: number): number {
  let e = k;
  while (e < stop && isBodyChar(text.charCodeAt(e))) e++;
  return e;
}

/**
 * The token whose body starts at bodyStart and ends at limit, or up to GLUED_MAX characters
 * before it, opened; undefined when none verifies (or the key id is not in the ring).
 */
function openRun(
  text: string,
  keyId: string,
  bodyStart: number,
  limit: number,
  keyring: Keyring,
  budget: { retries: number },
): { plain: string; end: number } | undefined {
  let tries = 0;
  for (let end = limit; end - bodyStart >= BODY_MIN && limit - end <= GLUED_MAX; end--) {
    if ((end - bodyStart) % 4 === 1) continue;
    if (end !== limit) {
      if (budget.retries <= 0) return undefined;
      budget.retries--;
      tries++;
    }
    let plain: string | undefined;
    try {
      plain = open(keyId, text.slice(bodyStart, end), keyring);
    } catch {
      // A key id the ring does not hold: not a token this gateway made.
      return undefined;
    }
    if (plain !== undefined) {
      // A token that opens after a separator or a short word is not charged for it; a longer
      // tail is, so real tokens with long tails cannot buy unbounded work.
      budget.retries += Math.min(tries, REFUND_MAX);
      return { plain, end };
    }
  }
  return undefined;
}

/** A token starts at k unless a letter or a digit comes right before it. */
function startsToken(text: string, k: number): boolean {
  return !isAlnum(text.charCodeAt(k - 1));
}
