import type { EntityType } from '../entities';
import { normalizeMap } from '../normalize';
import { type ScanInput, isAsciiLetter, isDigit } from './types';

/**
 * Secrets family, one pass: a single alternation of the fixed prefixes finds candidates,
 * then a sticky (y) pattern for that prefix reads the body at that position. A candidate
 * glued to a preceding word character is skipped, so runs like "eyJeyJeyJ…" cost one
 * bounded attempt, not one per occurrence. An escape right before the prefix (`\n`, `\t`,
 * `\r` in JSON strings, `%3D` in URLs) is a boundary, not glue.
 */
// Grouped by first character: irregexp tries the top-level alternatives one after another at
// every position of the text, so fewer of them make the whole-text pass cheaper (a lookahead for
// the first character made it twice as slow). Alternatives that share a first character keep
// their order, so each position matches what the flat list matched.
const PREFIX_RE =
  /A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9]|Iza)|g(?:h[pousr]_|ithub_pat_|l(?:pat|ptt|dt|rt|soat|cbt|imt|agent|oas)-)|x(?:ox[abprse]-|oxe\.xox[bp]-|app-)|h(?:ooks\.slack\.com\/services\/|f_)|s(?:k_(?:live|test)_|k-|hp(?:at|ca|pa|ss)_)|rk_(?:live|test)_|whsec_|eyJ|-----(?:BEGIN|END) |SG\.|npm_|pypi-|dapi|key-|LS0tLS1CRUdJTi/g;

interface SecretRule {
  readonly type: EntityType;
  readonly re: RegExp;
  readonly score: number;
  readonly validator: string;
  readonly check?: (token: string) => boolean;
}

const AWS_KEY_ID_RE = /(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/y;

const RULES: Readonly<Record<string, readonly SecretRule[]>> = {
  A: [
    {
      type: 'AWS_ACCESS_KEY',
      re: AWS_KEY_ID_RE,
      score: 0.95,
      validator: 'aws-key-id-format',
    },
    {
      type: 'GOOGLE_API_KEY',
      re: /AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/y,
      score: 0.95,
      validator: 'google-api-key-format',
    },
  ],
  g: [
    {
      type: 'GITHUB_TOKEN',
      re: /gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/y,
      score: 0.99,
      validator: 'github-token-format',
    },
    {
      type: 'GITHUB_TOKEN',
      re: /github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])/y,
      score: 0.99,
      validator: 'github-token-format',
    },
    {
      type: 'GITLAB_TOKEN',
      re: /gl(?:pat|ptt|dt|rt|soat|cbt|imt|agent|oas)-[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])/y,
      score: 0.95,
      validator: 'gitlab-token-format',
    },
  ],
  x: [
    {
      // Bot, user, legacy and refresh tokens; "xoxe.xoxp-…"/"xoxe.xoxb-…" are rotating
      // (configuration) access tokens, whose "xoxe." belongs to the token.
      type: 'SLACK_TOKEN',
      re: /(?:xoxe\.)?xox[abprse]-[0-9A-Za-z-]{10,250}(?![0-9A-Za-z-])/y,
      score: 0.95,
      validator: 'slack-token-format',
    },
    {
      // App-level tokens: xapp-<version>-<app id>-<number>-<secret>.
      type: 'SLACK_TOKEN',
      re: /xapp-\d{1,2}-[A-Z0-9]{8,16}-\d{8,16}-[A-Za-z0-9]{20,128}(?![0-9A-Za-z-])/y,
      score: 0.95,
      validator: 'slack-token-format',
    },
  ],
  h: [
    {
      type: 'SECRET',
      re: /hf_[A-Za-z0-9]{34}(?![A-Za-z0-9_])/y,
      score: 0.95,
      validator: 'huggingface-token-format',
      check: (t) => /[a-z]/.test(t.slice(3)) && /[A-Z]/.test(t),
    },
    {
      type: 'SLACK_TOKEN',
      re: /hooks\.slack\.com\/services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32}/y,
      score: 0.97,
      validator: 'slack-webhook-format',
    },
  ],
  s: [
    {
      type: 'SECRET',
      re: /shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9_])/y,
      score: 0.95,
      validator: 'shopify-token-format',
    },
    {
      type: 'ANTHROPIC_API_KEY',
      re: /sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/y,
      score: 0.99,
      validator: 'anthropic-key-format',
    },
    {
      type: 'STRIPE_KEY',
      re: /sk_(?:live|test)_[0-9A-Za-z]{10,247}(?![0-9A-Za-z])/y,
      score: 0.95,
      validator: 'stripe-key-format',
    },
    {
      type: 'OPENAI_API_KEY',
      re: /sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,250}(?![A-Za-z0-9_-])/y,
      score: 0.9,
      validator: 'openai-key-format',
      check: (t) => !t.startsWith('sk-ant-') && /\d/.test(t) && /[A-Za-z]/.test(t.slice(3)),
    },
  ],
  r: [
    {
      type: 'STRIPE_KEY',
      re: /rk_(?:live|test)_[0-9A-Za-z]{10,247}(?![0-9A-Za-z])/y,
      score: 0.95,
      validator: 'stripe-key-format',
    },
  ],
  w: [
    {
      type: 'STRIPE_KEY',
      re: /whsec_[A-Za-z0-9]{24,64}(?![A-Za-z0-9])/y,
      score: 0.95,
      validator: 'stripe-key-format',
    },
  ],
  // Vendor tokens with a documented shape and no keyword before them: SendGrid, npm, PyPI,
  // Hugging Face, Databricks, Shopify, Mailgun.
  S: [
    {
      type: 'SECRET',
      re: /SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/y,
      score: 0.95,
      validator: 'sendgrid-key-format',
    },
  ],
  n: [
    {
      type: 'SECRET',
      re: /npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/y,
      score: 0.95,
      validator: 'npm-token-format',
      check: hasDigitAndLetter,
    },
  ],
  p: [
    {
      // A macaroon whose first caveat names the index: "pypi.org" or "test.pypi.org".
      type: 'SECRET',
      re: /pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1000}(?![A-Za-z0-9_-])/y,
      score: 0.95,
      validator: 'pypi-token-format',
    },
  ],
  d: [
    {
      type: 'SECRET',
      re: /dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9_-])/y,
      score: 0.95,
      validator: 'databricks-token-format',
      check: hasDigitAndLetter,
    },
  ],
  k: [
    {
      type: 'SECRET',
      re: /key-[0-9a-z]{32}(?![A-Za-z0-9_-])/y,
      score: 0.9,
      validator: 'mailgun-key-format',
      check: (t) => hasDigitAndLetter(t.slice(4)),
    },
  ],
  e: [
    {
      type: 'JWT',
      re: /eyJ[A-Za-z0-9_-]{2,4096}\.eyJ[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,4096}/y,
      score: 0.95,
      validator: 'jwt-json-header',
      check: jwtHeaderValid,
    },
  ],
};

function hasDigitAndLetter(t: string): boolean {
  return /\d/.test(t) && /[A-Za-z]/.test(t);
}

function jwtHeaderValid(token: string): boolean {
  try {
    const header = JSON.parse(
      Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'),
    ) as unknown;
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

const SECRET_PREFIX_TYPES: readonly EntityType[] = [
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'SECRET',
  'GOOGLE_API_KEY',
  'GITHUB_TOKEN',
  'GITLAB_TOKEN',
  'SLACK_TOKEN',
  'ANTHROPIC_API_KEY',
  'STRIPE_KEY',
  'OPENAI_API_KEY',
  'JWT',
  'PRIVATE_KEY',
];

const PEM_BEGIN_RE = /-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/y;
const PEM_END_RE = /-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----/y;
const PEM_MAX = 64 * 1024;
// A base64 run this long is a line of a key body; shorter runs before the footer's own line are
// words of the text around it ("the key is").
const PEM_LINE_MIN = 16;

function isTokenChar(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 95 || c === 45;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || ((c | 32) >= 97 && (c | 32) <= 102);
}

function isBase64Char(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 43 || c === 47 || c === 61;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Whether a backslash at `k` starts an escape, not an escaped backslash ("\\n" is "\" + "n"). */
function isEscapeBackslash(text: string, k: number): boolean {
  let b = 0;
  while (k - b >= 0 && b < 8 && text.charCodeAt(k - b) === 92) b++;
  return b % 2 === 1;
}

/** `\n`, `\t`, `\r` (JSON and shell escapes) or `%XX` (URL encoding) ends right before `i`. */
function afterEscape(text: string, i: number): boolean {
  const c = text.charCodeAt(i - 1);
  if ((c === 110 || c === 116 || c === 114) && i >= 2 && text.charCodeAt(i - 2) === 92)
    return isEscapeBackslash(text, i - 2);
  return (
    isHexDigit(c) && i >= 3 && text.charCodeAt(i - 3) === 37 && isHexDigit(text.charCodeAt(i - 2))
  );
}

/** PEM body: base64, line breaks (raw or as `\n`/`\r` escapes) and the legacy header lines. */
function pemBodyEnd(text: string, from: number, limit: number): number {
  let end = from;
  while (end < limit) {
    const c = text.charCodeAt(end);
    if (isBase64Char(c) || isSpace(c) || c === 58 || c === 44 || c === 45) end++;
    else if (c === 92 && end + 1 < limit && (text[end + 1] === 'n' || text[end + 1] === 'r'))
      end += 2;
    else break;
  }
  // Trailing line breaks belong to the text after the key.
  for (;;) {
    if (end > from && isSpace(text.charCodeAt(end - 1))) end--;
    else if (
      end - from >= 2 &&
      text.charCodeAt(end - 2) === 92 &&
      (text[end - 1] === 'n' || text[end - 1] === 'r')
    )
      end -= 2;
    else return end;
  }
}

/** Skips line breaks (raw or escaped) and blanks backwards from `p`, not below `floor`. */
function skipBreaksBack(text: string, p: number, floor: number): number {
  for (;;) {
    if (p <= floor) return p;
    const c = text.charCodeAt(p - 1);
    if (isSpace(c)) p--;
    else if (
      (c === 110 || c === 114) &&
      p - 2 >= floor &&
      text.charCodeAt(p - 2) === 92 &&
      isEscapeBackslash(text, p - 2)
    )
      p -= 2;
    else return p;
  }
}

/**
 * End of a base64 run at `i` whose text is a PEM private key ("-----BEGIN … PRIVATE KEY-----"),
 * or -1 (a certificate, or something else). Only the start is decoded.
 */
function base64PrivateKeyEnd(text: string, i: number): number {
  // The head first, so a run that is not a key is not read to its end (once per prefix in it).
  if (i + 64 > text.length) return -1;
  for (let k = i; k < i + 64; k++) if (!isBase64Char(text.charCodeAt(k))) return -1;
  const head = Buffer.from(text.slice(i, i + 64), 'base64').toString('latin1');
  PEM_BEGIN_RE.lastIndex = 0;
  if (!PEM_BEGIN_RE.test(head)) return -1;
  const limit = Math.min(text.length, i + PEM_MAX);
  let end = i + 64;
  while (end < limit && isBase64Char(text.charCodeAt(end))) end++;
  return end;
}

// ---- AWS secret access keys next to their key id ----
// The id and the secret travel together (the console's credentials CSV "id,secret", `aws
// configure`, `aws iam create-access-key` JSON): a secret this close after an id is its pair.
// Bounded, so each id costs a fixed read whatever follows it.
const AWS_PAIR_GAP = 60;
// 30 random bytes in base64: exactly 40 characters, never padded.
const AWS_SECRET_LEN = 40;

function isAwsSecretChar(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 43 || c === 47;
}

/**
 * Whether a run [s, e) stands alone: not part of a longer token such as `sk_…`, `glpat-…`,
 * base64 with padding (`…==`) or dotted parts (a JWT). A full stop that ends a sentence is fine.
 */
function standsAlone(text: string, s: number, e: number): boolean {
  const b = s > 0 ? text.charCodeAt(s - 1) : 32;
  if (b === 95 || b === 45 || b === 46) return false;
  if (e >= text.length) return true;
  const a = text.charCodeAt(e);
  if (a === 95 || a === 45 || a === 61) return false;
  return !(a === 46 && e + 1 < text.length && isAwsSecretChar(text.charCodeAt(e + 1)));
}

/**
 * Whether [s, s + 40) looks like a generated key rather than a word or a digest: upper and lower
 * case letters and a digit, `/` or `+`. A git SHA-1 (hex, one case) or a run of words is not;
 * 40 random base64 characters lack one of these about once in 4,000 keys.
 */
function awsSecretShape(text: string, s: number): boolean {
  let up = false;
  let low = false;
  let other = false;
  for (let k = s; k < s + AWS_SECRET_LEN; k++) {
    const c = text.charCodeAt(k);
    if (isUpper(c)) up = true;
    else if (isLower(c)) low = true;
    else other = true;
  }
  return up && low && other;
}

/**
 * Start of a 40-character secret within AWS_PAIR_GAP characters after an id ending at `from`, or
 * -1. Anything may sit between (separators, quotes, JSON keys, a prompt on the next line); the
 * first run that is a whole token of exactly 40 characters counts. A `\n`/`\t`/`\r` escape or a
 * `%XX` right before the run is a boundary, as before a prefix.
 */
function awsSecretAfter(text: string, from: number): number {
  const n = text.length;
  const limit = Math.min(n, from + AWS_PAIR_GAP);
  let k = from;
  while (k < limit) {
    if (!isAwsSecretChar(text.charCodeAt(k))) {
      k++;
      continue;
    }
    let e = k;
    while (e < n && e - k <= AWS_SECRET_LEN + 2 && isAwsSecretChar(text.charCodeAt(e))) e++;
    let s = k;
    if (e - k === AWS_SECRET_LEN + 1 && afterEscape(text, k + 1)) s = k + 1;
    else if (e - k === AWS_SECRET_LEN + 2 && afterEscape(text, k + 2)) s = k + 2;
    if (e - s === AWS_SECRET_LEN && standsAlone(text, k, e) && awsSecretShape(text, s)) return s;
    // Longer runs are skipped, up to the end of the gap: no id reads further than that.
    while (e < limit && isAwsSecretChar(text.charCodeAt(e))) e++;
    k = e;
  }
  return -1;
}

/**
 * Start of the key body that ends at a footer at `end`, for text cut after the header (document
 * chunks): base64 lines read backwards, separated by line breaks or blanks. The line next to the
 * footer may be short (the last line of a body); any other line must look like one. -1 when no
 * line does, as in prose that merely names the footer.
 */
function pemBodyStartBefore(text: string, end: number, floor: number): number {
  let p = skipBreaksBack(text, end, floor);
  let start = -1;
  let first = true;
  while (p > floor) {
    let r = p;
    while (r > floor && isBase64Char(text.charCodeAt(r - 1))) r--;
    // "\nMIIE…": the n belongs to the escape before it, not to the body.
    if (
      r < p &&
      r > floor &&
      text.charCodeAt(r - 1) === 92 &&
      (text[r] === 'n' || text[r] === 'r') &&
      isEscapeBackslash(text, r - 1)
    )
      r++;
    if (r === p) break;
    // A chunk may start in the middle of a line: a short run at the very start is body too.
    if (p - r >= PEM_LINE_MIN || (r === 0 && !first)) start = r;
    else if (!first) break;
    first = false;
    const q = skipBreaksBack(text, r, floor);
    if (q === r) break;
    p = q;
  }
  return start;
}

export function scanSecrets(input: ScanInput): void {
  const { text, want, emit } = input;
  if (!SECRET_PREFIX_TYPES.some((t) => want.has(t))) return;
  const n = text.length;
  let endSearchFrom = 0;
  let nextEnd = -2;
  // Nothing before this is read again by a backward body scan, which keeps those scans linear.
  let pemFloor = 0;
  PREFIX_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PREFIX_RE.exec(text)) !== null) {
    const i = m.index;
    const first = m[0][0];
    if (first === '-') {
      if (!want.has('PRIVATE_KEY')) continue;
      if (m[0][5] === 'E') {
        // A footer without its header: a chunk that starts inside the key.
        PEM_END_RE.lastIndex = i;
        if (!PEM_END_RE.test(text)) continue;
        const end = PEM_END_RE.lastIndex;
        const start = pemBodyStartBefore(text, i, Math.max(pemFloor, i - PEM_MAX));
        pemFloor = end;
        if (start !== -1) emit('PRIVATE_KEY', start, end, 1, 'pem-armor');
        PREFIX_RE.lastIndex = end;
        continue;
      }
      PEM_BEGIN_RE.lastIndex = i;
      if (!PEM_BEGIN_RE.test(text)) continue;
      // One forward search for "-----END ", reused until we pass it: linear even with many BEGINs.
      if (nextEnd !== -1 && nextEnd < i) {
        nextEnd = text.indexOf('-----END ', Math.max(i, endSearchFrom));
        endSearchFrom = nextEnd === -1 ? n : nextEnd;
      }
      let end = -1;
      if (nextEnd !== -1 && nextEnd - i <= PEM_MAX) {
        PEM_END_RE.lastIndex = nextEnd;
        if (PEM_END_RE.test(text)) end = PEM_END_RE.lastIndex;
      }
      // No footer (truncated paste, or a JSON string cut short): cover the base64 body.
      if (end === -1) end = pemBodyEnd(text, PEM_BEGIN_RE.lastIndex, Math.min(n, i + PEM_MAX));
      emit('PRIVATE_KEY', i, end, 1, 'pem-armor');
      pemFloor = end;
      PREFIX_RE.lastIndex = end;
      continue;
    }
    if (i > 0 && isTokenChar(text.charCodeAt(i - 1)) && first !== 'h' && !afterEscape(text, i))
      continue;
    if (first === 'L') {
      // "-----BEGIN" in base64, as a Kubernetes Secret holds a key (tls.key: LS0tLS1CRUdJTi…).
      if (!want.has('PRIVATE_KEY')) continue;
      const end = base64PrivateKeyEnd(text, i);
      if (end !== -1) {
        emit('PRIVATE_KEY', i, end, 1, 'pem-armor-base64');
        PREFIX_RE.lastIndex = end;
      }
      continue;
    }
    if (first === 'A' && (want.has('AWS_SECRET_KEY') || want.has('SECRET'))) {
      AWS_KEY_ID_RE.lastIndex = i;
      if (AWS_KEY_ID_RE.test(text)) {
        const s = awsSecretAfter(text, AWS_KEY_ID_RE.lastIndex);
        // A policy that masks secrets but not AWS types still removes it, as with a keyword.
        if (s !== -1)
          emit(
            want.has('AWS_SECRET_KEY') ? 'AWS_SECRET_KEY' : 'SECRET',
            s,
            s + AWS_SECRET_LEN,
            0.9,
            'aws-key-pair',
          );
      }
    }
    const rules = RULES[first];
    if (rules === undefined) continue;
    for (const rule of rules) {
      if (!want.has(rule.type)) continue;
      rule.re.lastIndex = i;
      const mm = rule.re.exec(text);
      if (mm === null || (rule.check !== undefined && !rule.check(mm[0]))) continue;
      emit(rule.type, i, i + mm[0].length, rule.score, rule.validator);
      PREFIX_RE.lastIndex = i + mm[0].length;
      break;
    }
  }
}

// ---- values next to credential words ----
// Credential names, session cookies and the commands that take a password as an option. Grouped
// by first letter: the same alternatives listed flat made this whole-text pass about 70% slower.
// Where two share a start, the longer comes first ("signing key" before "sig"). The word for a
// password in other languages is one too (FOREIGN_PASSWORD_RE); detection reads the normalized
// text, where "contraseña" and "lösenord" have lost their diacritics.
const CRED_RE =
  /p(?:ass(?:word|wd|wort|ord|phrase)?|wd|w|rivate[ _-]?key|odman[ \t]+login[ \t])|s(?:ecret(?:[ _-]access[ _-]key)?|igning[ _-]?key|ig(?:nature)?|ession(?:[_-]?id)?|essid|hared[ _-]?key|shpass[ \t]|enha|alasana)|token|a(?:pi[ _-]?key|pikey|ccess[_-]?key|ccount[ _-]?key|uth(?:orization)?|dgangskode)|c(?:redentials?|onnect\.sid|url[ \t]|ontrasena)|bearer|encryption[ _-]?key|m(?:aster[ _-]?key|ysql(?:dump|admin)?[ \t]|ariadb[ \t]|ot[ \t]de[ \t]passe)|docker[ \t]+login[ \t]|registry[ \t]+login[ \t]|identified[ \t]+by[ \t]|kennwort|wachtwoord|has[lł]o|losenord|_key/gi;
// Kennwort (de), mot de passe (fr), contraseña (es), senha (pt), wachtwoord (nl), hasło (pl),
// lösenord (sv), salasana (fi), adgangskode (da); Passwort and passord are "pass…" words.
const FOREIGN_PASSWORD_RE =
  /^(?:kennwort|mot[ \t]de[ \t]passe|contrasena|senha|wachtwoord|has[lł]o|losenord|salasana|adgangskode)$/i;

/** Whether a credential word names a password: "pass…", "pwd", or another language's word. */
function namesPassword(word: string): boolean {
  const c0 = word.charCodeAt(0) | 32;
  // "private key" and "podman login" are not passwords.
  if (c0 === 112) return (word.charCodeAt(1) | 32) !== 114 && (word.charCodeAt(1) | 32) !== 111;
  // Most hits are "token", "secret", "key", "auth": only long words can be another language's.
  return word.length >= 5 && FOREIGN_PASSWORD_RE.test(word);
}
// A key may close its quote with an escaped one: JSON logged inside a JSON string ({\"password\": …}).
// " - " only for a label that starts its line (checked where it is used): "Password - Adm1nPw!".
// "is" also in German, French, Spanish and Portuguese ("Das Passwort ist", "lautet", "Le mot de
// passe est", "La contraseña es", "A senha é", normalized to "e"): only after a password word.
const ENGLISH_IS_RE = /^[ \t](?:is:?|-)[ \t]$/;
const PORTUGUESE_IS_RE = /^[ \t]e:?[ \t]$/;
const ASSIGN_RE =
  /[A-Za-z0-9_.-]{0,30}\\?["']?[ \t]{0,3}(:=|=>|[:=]|[ \t](?:is|ist|lautet|est|es|e):?[ \t]|[ \t]-[ \t])[ \t]{0,3}/y;
// `.netrc` ("machine h login deploy password Sup3rS3cret"): the password follows one blank.
// SQL puts a quoted password after it too: "CREATE USER app WITH PASSWORD 'x'", "LOGIN PASSWORD".
const SQL_BEFORE_RE = /(?:^|[^A-Za-z])(?:with|by|login|encrypted)[ \t]+$/i;
// keytool's "-storepass", "-keypass", "-srcstorepass", "-destkeypass": "pass" ends the option.
const STOREPASS_RE = /(?:^|\s)-(?:src|dest|new)?(?:store|key)$/i;
const NETRC_LOGIN_RE = /(?:^|\s)login[ \t]+\S+[ \t]+$/;
const BEARER_RE = /(?:Bearer|Basic|Token)[ \t]{1,3}/iy;
const PLACEHOLDER_RE =
  /^(?:\*+|x{3,}|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|null|none|true|false|undefined|redacted|changeme\b.{0,0}|\[redacted\]|\.\.\.|required|optional|string|example)$/i;
// Letters after a keyword that still make a credential name: "secretkey", "passwordHash".
const KEYWORD_SUFFIX_RE = /(?:key|keys|hash|value)(?![A-Za-z0-9])/iy;
// Code, not a value: a call or an index ("getpass(", "os.environ[").
// Also after a spread or a negation, through optional chaining and names with digits
// ("[...acorn.tokenizer(", "ED25519.sign(", "pki.privateKeyFromAsn1(").
// A Go conversion ("[]byte(os.Getenv(", "[]byte(cfg.JWTSecret)") is one too.
const CODE_RE = /^(?:\[?\.\.\.|!|\[\])?[A-Za-z_$][\w$.?]*[([]/;

/**
 * CODE_RE, asked only of a value with a bracket: without one it cannot match, and on a long
 * token it backtracks over the whole of it before failing.
 */
function isCode(value: string): boolean {
  return (value.includes('(') || value.includes('[')) && CODE_RE.test(value);
}
// A variable named after a credential, in snake_case or camelCase, holds one; it is not one:
// "hashed_password", "newPassword", "DB_PASSWORD". Letters only: "password_2024" is a password.
const NAME_PARTS_RE = /^(?:[a-z]+(?:_[a-z]+)+|[A-Z]+(?:_[A-Z]+)+|[a-z]+(?:[A-Z][a-z]+)+)$/;
const CRED_PART_RE = /(?:^|_)(?:password|passwd|pwd|secret|token)(?:_|$)/i;
const CRED_WORD_RE = /^(?:password|passwd|pwd|secret|token)$/;
// A type annotation where the value would be: "def login(password: str)", "password: SecretStr".
const TYPE_NAME_RE = /^(?:str|bytes|int|bool|SecretStr|&str)$/;
// snake_case words ("client_credentials") name something; they are not secrets.
const SNAKE_WORDS_RE = /^(?:[a-z]+(?:_[a-z]+)+|[A-Z]+(?:_[A-Z]+)+)$/;
// A word right after the keyword that makes the name about something else: "tokenUrl",
// "SECRET_NAME", "passwordPolicy", "api_key_header". Suffixes of environments (DB_PASSWORD_PROD)
// and of the value itself (key, hash, confirm) are not in it.
const NAME_WORDS = new Set([
  'url',
  'uri',
  'urls',
  'endpoint',
  'name',
  'names',
  'id',
  'ids',
  'policy',
  'method',
  'backend',
  'header',
  'template',
  'length',
  'type',
  'format',
  'path',
  'file',
  'expiry',
  'expires',
  'expiration',
  'ttl',
  'count',
  'reset',
  'field',
  'label',
  'mode',
  'enabled',
  'disabled',
  'pattern',
  'provider',
  'location',
  'dir',
  'version',
  'prefix',
  'hint',
  'rotation',
  'timeout',
  'scope',
  'strategy',
  'source',
  'ref',
  'arn',
  'limit',
  'size',
  'algorithm',
  'kind',
  'class',
  'manager',
  'handler',
  'validator',
  'schema',
  'regex',
  'placeholder',
  'description',
  'message',
  'status',
  'lifetime',
  'duration',
  'storage',
  'required',
  'strength',
  'history',
  'complexity',
  'prompt',
  'input',
  'form',
  'page',
  'route',
  'mapping',
  'column',
  'start',
  'end',
  'time',
  'date',
  'timestamp',
  'created',
  'updated',
]);
// Where a dotted chain of identifiers is code, not a value: "process.env.X", "config.apiKey".
const CODE_ROOTS = new Set([
  'process',
  'config',
  'settings',
  'env',
  'os',
  'self',
  'this',
  'secrets',
  'vars',
  'values',
  'props',
  'options',
  'opts',
  'ctx',
  'context',
  'app',
  'cfg',
  'conf',
  'params',
  'args',
  'window',
  'req',
  'request',
  'data',
]);
// A camelCase property name: "privateKey", "apiKey".
const CAMEL_PROPERTY_RE = /^[a-z]+[A-Z][A-Za-z]*$/;
const DOTTED_NAMES_RE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;
// A part of a name made of words: "tls", "oauth2", "TLS", "v2", "2024".
const NAME_PART_RE = /^(?:[A-Za-z][a-z]+\d*|[A-Z]{2,}\d*|v\d{1,3}|\d{1,4})$/;
// "RootManageSharedAccessKey", "Authorization", "keyringSetting": words in PascalCase or
// camelCase, no digits.
const CASED_WORDS_RE = /^(?:[A-Z][a-z]{2,})+$|^[a-z]{2,}(?:[A-Z][a-z]{2,})+$/;
// A regular expression literal: "/(?:Bearer|Basic)[ \t]/". Base64 has none of these characters.
const REGEX_CHARS_RE = /[\\()[\]|?*^${}]/;
// A YAML tag where the value will be (`password: !vault |`, `!Ref DbPassword`).
const YAML_TAG_RE = /^![A-Za-z][\w.:-]*$/;
const NESTED_PARAM_RE = /^[A-Za-z][A-Za-z0-9_-]{0,30}=[^=]/;
// A date or a timestamp ("2024-03-14T09:21:07.123Z") where a token would be.
const TIMESTAMP_RE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
const VALUE_MAX = 200;
// "password: correct horse battery staple": up to this many words, only when they end the line.
const PHRASE_WORDS_MAX = 6;
const PHRASE_MAX = 100;

/** Whether a placeholder stands where a credential would be (`<password>`, `${DB_PASSWORD}`, `****`). */
export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER_RE.test(value);
}

const PROSE_WORDS = new Set([
  'required',
  'incorrect',
  'invalid',
  'wrong',
  'correct',
  'expired',
  'empty',
  'missing',
  'set',
  'not',
  'too',
  'the',
  'a',
  'an',
  'changed',
  'reset',
  'strong',
  'weak',
  'valid',
  'needed',
  'stored',
  'used',
  'must',
  'should',
  'will',
  'and',
  'or',
  'for',
  'to',
  'of',
  'in',
  'is',
  'was',
]);

const asciiCounts = new Int32Array(128);
const firstSeen = new Uint8Array(128);
// A term of the sum depends only on a character's count and the length: computed once per count
// (most characters of a token occur once or twice) and kept for the next value of that length.
// The same terms in the same order give the same sum, to the last bit.
const termOfCount = new Float64Array(128);
const termLength = new Int32Array(128);

/** p · log2(p) for a character that occurs `count` times in `length`. */
function entropyTerm(count: number, length: number): number {
  if (count < 128 && termLength[count] === length) return termOfCount[count];
  const p = count / length;
  const term = p * Math.log2(p);
  if (count < 128) {
    termOfCount[count] = term;
    termLength[count] = length;
  }
  return term;
}

/**
 * Bits per character of `s`. With `enough`, the sum may stop once it reaches that much and return
 * what it has so far: the terms are never negative, so the rest could only raise it, and a caller
 * that only compares with `enough` or less saves a logarithm per remaining distinct character.
 */
export function shannonEntropy(s: string, enough = Infinity): number {
  // Values are short and almost always ASCII: count in reused arrays (one pass, distinct characters
  // kept in the order they first appear, which is the order the terms are summed in), fall back to
  // a map at the first non-ASCII character.
  let distinct = 0;
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) {
      ascii = false;
      break;
    }
    if (asciiCounts[c]++ === 0) firstSeen[distinct++] = c;
  }
  let h = 0;
  for (let k = 0; k < distinct; k++) {
    const c = firstSeen[k];
    if (ascii && h < enough) h -= entropyTerm(asciiCounts[c], s.length);
    asciiCounts[c] = 0;
  }
  if (ascii) return h;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++)
    counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isAlnum(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c);
}

/**
 * Whether a keyword at `i`, right after a letter, starts a part of a name: a camelCase part
 * ("userPassword", "accessToken"), a part of an ALL-CAPS name ("PGPASSWORD") or, for the longer
 * keywords, a lower-case compound ("clientsecret", "authtoken"). A bare "pass" stays a word
 * ("compass", "bypass") unless it starts a camelCase part, and so does "pwd" ("OLDPWD").
 */
function keywordStartOk(text: string, i: number, len: number, short: boolean): boolean {
  const prev = text.charCodeAt(i - 1);
  const c0 = text.charCodeAt(i);
  // A camelCase part, also after an acronym ("JWTToken").
  if (isUpper(c0) && (isLower(prev) || isLower(text.charCodeAt(i + 1)))) return true;
  const before = text.slice(Math.max(0, i - 4), i).toLowerCase();
  if (/(?:aws|db|api|my|app)$/.test(before)) return true;
  if (short) return false;
  if (isUpper(prev)) {
    for (let k = i; k < i + len; k++) if (isLower(text.charCodeAt(k))) return false;
    for (let k = i - 1; k >= 0 && i - k <= 40; k--) {
      const c = text.charCodeAt(k);
      if (isLower(c)) return false;
      if (!isAlnum(c) && c !== 95) break;
    }
    return true;
  }
  return isLower(c0) && isLower(prev);
}

/**
 * Whether the keyword ending at `e` ends there as a word: not "tokenizer" or "author". A plural
 * "s", a camelCase hump ("authToken", not after a bare "pass": "passThrough") and a few name
 * endings ("secretkey", "PASSWORD_HASH" is already fine) do not glue it to a longer word.
 */
function keywordEndOk(text: string, e: number, short: boolean): boolean {
  if (e >= text.length) return true;
  const c = text.charCodeAt(e);
  if (!isAlnum(c)) return true;
  if ((c | 32) === 115) {
    if (e + 1 >= text.length || !isAlnum(text.charCodeAt(e + 1))) return true;
  }
  if (short) return false;
  if (isUpper(c) && isLower(text.charCodeAt(e - 1))) return true;
  KEYWORD_SUFFIX_RE.lastIndex = e;
  return KEYWORD_SUFFIX_RE.test(text);
}

// The value read by readValue: [valueStart, valueEnd), whether it was quoted, and whether it was
// cut at VALUE_MAX inside a longer token.
let valueStart = 0;
let valueEnd = 0;
let valueQuoted = false;
let valueCut = false;

// Whether the value being read is a URL query parameter or form field (the name follows `?` or
// `&`): a `#` then starts the fragment.
let valueInQuery = false;
// Whether the value is the text of an XML element (`<password>…</password>`): a `<` ends it.
let valueInElement = false;

/**
 * Whether `&` at `k` starts the next parameter of a query string or form body (`&email=`), not a
 * character of the value (`Tr0ub4dor&3`). Read only at an `&`, so bounded by the name's length.
 */
function nextParamAt(text: string, k: number): boolean {
  const limit = Math.min(text.length, k + 41);
  let j = k + 1;
  while (j < limit) {
    const c = text.charCodeAt(j);
    if (isAlnum(c) || c === 95 || c === 45 || c === 46 || c === 91 || c === 93 || c === 37) j++;
    else break;
  }
  return j > k + 1 && j < text.length && text.charCodeAt(j) === 61;
}

/** Where a bare value stops: blanks, quotes, separators, and escapes of a JSON string. */
function bareStop(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  if (c <= 32 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59) return true;
  if (c === 0x85 || c === 0x2028 || c === 0x2029) return true;
  if (c === 38) return nextParamAt(text, k);
  if (c === 35) return valueInQuery;
  if (c === 60) return valueInElement;
  if (c === 92) {
    const d = text.charCodeAt(k + 1);
    return d === 110 || d === 114 || d === 116 || d === 34;
  }
  return false;
}

/** Whether the name that holds the keyword at `i` follows `?` or `&`: a query parameter. */
function queryNameAt(text: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && i - k <= 30) {
    const c = text.charCodeAt(k);
    if (isAlnum(c) || c === 95 || c === 45 || c === 46) k--;
    else return c === 63 || c === 38;
  }
  return false;
}

/** Whether a line ends at `k`: end of text, a line break (raw or escaped) or a closing quote. */
function lineEndsAt(text: string, k: number): boolean {
  while (k < text.length && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k++;
  if (k >= text.length) return true;
  const c = text.charCodeAt(k);
  if (c === 10 || c === 13 || c === 34 || c === 39 || c === 96) return true;
  return c === 92 && (text[k + 1] === 'n' || text[k + 1] === 'r');
}

/**
 * "password: correct horse battery staple": a pass phrase of plain words, read to the end of its
 * line (or the closing quote of the string it sits in). Only when the words end the line within
 * PHRASE_WORDS_MAX words and PHRASE_MAX characters: a value followed by more text on its line
 * ("password: hunter2 for the staging db, rotate it") keeps to its first word.
 */
function extendPhrase(text: string): void {
  for (let k = valueStart; k < valueEnd; k++) if (!isAlnum(text.charCodeAt(k))) return;
  let k = valueEnd;
  let words = 1;
  while (k < text.length && k - valueStart <= PHRASE_MAX) {
    const c = text.charCodeAt(k);
    if (c !== 32 && c !== 9) break;
    let w = k + 1;
    while (w < text.length && isAlnum(text.charCodeAt(w))) w++;
    if (w === k + 1) break;
    if (++words > PHRASE_WORDS_MAX) return;
    k = w;
  }
  if (words === 1 || k - valueStart > PHRASE_MAX) return;
  const p = text.charCodeAt(k);
  const after = p === 46 || p === 33 || p === 63 ? k + 1 : k;
  if (lineEndsAt(text, after)) valueEnd = k;
}

/**
 * Reads the value at `from` into valueStart/valueEnd. A double-quoted value is a JSON string: it
 * ends at the first unescaped quote, and an apostrophe inside it is part of it. A quote left open
 * (text cut short) is read as a bare value.
 */
// The longest angle-bracket placeholder read with its blanks ("<the password of the admin user>").
const PLACEHOLDER_MAX = 64;

function readValue(text: string, from: number, phrase: boolean): boolean {
  const n = text.length;
  const q = text.charCodeAt(from);
  if (q === 34 || q === 39 || q === 96) {
    const limit = Math.min(n, from + 1 + VALUE_MAX);
    let k = from + 1;
    while (k < limit) {
      const c = text.charCodeAt(k);
      if (c === q || c === 10 || c === 13) break;
      k += c === 92 && q === 34 ? 2 : 1;
    }
    if (k < limit && text.charCodeAt(k) === q && k > from + 1) {
      valueStart = from + 1;
      valueEnd = k;
      valueQuoted = true;
      valueCut = false;
      return true;
    }
    from++;
  } else if (q === 92 && text.charCodeAt(from + 1) === 34) {
    // \"…\": a string inside a JSON string; it ends at the next escaped quote.
    const limit = Math.min(n, from + 2 + VALUE_MAX);
    let k = from + 2;
    while (k < limit && !(text.charCodeAt(k) === 92 && text.charCodeAt(k + 1) === 34)) {
      const c = text.charCodeAt(k);
      if (c === 10 || c === 13) break;
      k++;
    }
    if (k < limit && text.charCodeAt(k) === 92 && k > from + 2) {
      valueStart = from + 2;
      valueEnd = k;
      valueQuoted = true;
      valueCut = false;
      return true;
    }
    return false;
  } else if (q === 60) {
    // A placeholder in angle brackets keeps its blanks: "Password: <your password>".
    const close = text.indexOf('>', from + 1);
    if (
      close !== -1 &&
      close - from <= PLACEHOLDER_MAX &&
      (close + 1 === n || bareStop(text, close + 1))
    ) {
      let k = from + 1;
      while (
        k < close &&
        text.charCodeAt(k) !== 10 &&
        text.charCodeAt(k) !== 13 &&
        text.charCodeAt(k) !== 60
      )
        k++;
      if (k === close) {
        valueStart = from;
        valueEnd = close + 1;
        valueQuoted = false;
        valueCut = false;
        return true;
      }
    }
  }
  const limit = Math.min(n, from + VALUE_MAX);
  let k = from;
  while (k < limit && !bareStop(text, k)) k++;
  if (k === from) return false;
  valueStart = from;
  valueEnd = k;
  valueQuoted = false;
  valueCut = k < n && !bareStop(text, k);
  if (phrase) extendPhrase(text);
  return true;
}

/**
 * Whether the label holding the keyword at `i` starts its line, after list or table markers
 * ("- ", "* ", "| ", "1. "): the keyword with its name ("DB_PASSWORD") and at most one word before
 * it ("Client Secret"). Read only after a " - " follows the label.
 */
function labelStartsLine(text: string, i: number): boolean {
  const floor = Math.max(0, i - 40);
  let k = i;
  while (k > floor && (isAlnum(text.charCodeAt(k - 1)) || text.charCodeAt(k - 1) === 95)) k--;
  if (k > floor && text.charCodeAt(k - 1) === 32 && isAsciiLetter(text.charCodeAt(k - 2))) {
    k--;
    while (k > floor && isAsciiLetter(text.charCodeAt(k - 1))) k--;
  }
  for (; k > floor; k--) {
    const c = text.charCodeAt(k - 1);
    if (c === 10 || c === 13) return true;
    const marker = c === 45 || c === 42 || c === 124 || c === 0x2022 || c === 46 || c === 41;
    if (!marker && c !== 32 && c !== 9 && !isDigit(c)) return false;
  }
  return k === 0;
}

/**
 * Whether the word right after the keyword (ending at `e`), joined by `_`, `-`, `.` or a camelCase
 * hump, makes the name about something else ("tokenUrl", "SECRET_NAME"). An id names a secret
 * only after "secret" (Vault's secret_id is one).
 */
function namesSomethingElse(text: string, e: number, secretWord: boolean): boolean {
  let s = e;
  const sep = text.charCodeAt(s);
  if (sep === 95 || sep === 45 || sep === 46) s++;
  let k = s;
  const first = text.charCodeAt(k);
  if (isUpper(first)) {
    k++;
    if (isLower(text.charCodeAt(k))) while (isLower(text.charCodeAt(k))) k++;
    else while (isUpper(text.charCodeAt(k))) k++;
  } else if (isLower(first) && s > e) {
    while (isLower(text.charCodeAt(k))) k++;
  } else return false;
  if (k - s < 2 || k - s > 11) return false;
  const word = text.slice(s, k).toLowerCase();
  return NAME_WORDS.has(word) && !(secretWord && (word === 'id' || word === 'ids'));
}

function blankCount(value: string): number {
  let n = 0;
  for (let k = 0; k < value.length; k++) if (value.charCodeAt(k) === 32) n++;
  return n;
}

/** Whether every part of `value` between the separators is a word, a short number or a version. */
function wordParts(value: string, sep: RegExp, min: number): boolean {
  const parts = value.split(sep);
  if (parts.length < min) return false;
  for (const p of parts) if (!NAME_PART_RE.test(p)) return false;
  return true;
}

/**
 * Values that name or point to a credential instead of being one, whatever the key: code
 * (`process.env.DB_PASSWORD`, `config.apiKey`, a dotted path of three names or more), a path of
 * words (`/oauth2/v2.0/authorize`), a YAML tag (`!vault`) and a template expression.
 */
function notAValue(value: string, password: boolean): boolean {
  const c = value.charCodeAt(0);
  if (c === 33) return YAML_TAG_RE.test(value);
  // A template expression cut at its first blank: GitHub Actions' "${{ secrets.X }}", Helm's "{{ .Values.x }}".
  if (c === 36 || c === 123) return value.startsWith('${{') || value.startsWith('{{');
  if (c === 47) return wordParts(value.slice(1), /[/._-]/, 1) || REGEX_CHARS_RE.test(value);
  // Dotted names need a dot, which most values lack: the pattern runs only on those with one.
  const dot = value.indexOf('.');
  if (dot === -1 || !DOTTED_NAMES_RE.test(value)) return false;
  if (CODE_ROOTS.has(value.slice(0, dot))) return true;
  // Without a known root, only names without digits (a signed cookie "eyJ1c2Vy.ZfLq3w.…" has
  // them): three or more, or two where the last is a property ("document.signature"). Two plain
  // words are also what a person picks as a password ("john.smith"): there, only a camelCase
  // property ("pair.privateKey") makes them code.
  if (/\d/.test(value)) return false;
  if (value.indexOf('.', dot + 1) !== -1) return true;
  const last = value.slice(dot + 1);
  return password ? CAMEL_PROPERTY_RE.test(last) : isLower(last.charCodeAt(0));
}

// Command lines that carry a password as an option. `-p` is a port for psql and ssh, so it
// counts only after the commands that take a password with it.
// What documentation writes in place of the password: `curl -u username:password`.
const COMMAND_PLACEHOLDER_RE =
  /^(?:pass(?:word)?|passwd|pwd|secret|token|(?:your|my)[_-]?password)$/i;
const CURL = 1;
const MYSQL = 2;
const LOGIN = 3;

function commandKind(word: string): number {
  const c = word.charCodeAt(0) | 32;
  if (c === 99 && (word.charCodeAt(1) | 32) === 117) return CURL;
  if (c === 109) return MYSQL;
  if (c === 100 || c === 112 || c === 114 || (c === 115 && (word.charCodeAt(1) | 32) === 115))
    return LOGIN;
  return 0;
}

function optionIs(text: string, s: number, e: number, option: string): boolean {
  return e - s === option.length && text.startsWith(option, s);
}

/**
 * Reads the options of a command from `from` to the end of its line (or a pipe, `;`, `&`) and
 * reports the password among them: `curl -u user:pass`, `--user user:pass`, `mysql -pPASS`,
 * `docker login -p PASS`, `sshpass -p 'PASS'`. Variables (`$PASS`) are not passwords.
 */
function scanCommand(text: string, from: number, kind: number, emit: ScanInput['emit']): void {
  const limit = Math.min(text.length, from + 400);
  let k = from;
  let prevS = 0;
  let prevE = 0;
  while (k < limit) {
    const c = text.charCodeAt(k);
    if (c === 32 || c === 9) {
      k++;
      continue;
    }
    if (c === 92 && (text.charCodeAt(k + 1) === 10 || text.charCodeAt(k + 1) === 13)) {
      k += 2; // a command continued on the next line
      continue;
    }
    if (c === 10 || c === 13 || c === 124 || c === 59 || c === 38 || c === 92) return;
    let s = k;
    let e: number;
    if (c === 34 || c === 39) {
      const close = text.indexOf(text[k], k + 1);
      if (close === -1 || close >= limit) return;
      s = k + 1;
      e = close;
      k = close + 1;
    } else {
      // A quoted part inside an option keeps its blanks: -p'R00t Pw!'.
      while (k < limit && !isSpace(text.charCodeAt(k)) && text.charCodeAt(k) !== 59) {
        const q = text.charCodeAt(k);
        const close = q === 34 || q === 39 ? text.indexOf(text[k], k + 1) : -1;
        k = close !== -1 && close < limit ? close + 1 : k + 1;
      }
      e = k;
    }
    let vs = -1;
    if (kind === CURL) {
      if (optionIs(text, prevS, prevE, '-u') || optionIs(text, prevS, prevE, '--user')) vs = s;
      else if (text.startsWith('--user=', s)) vs = s + 7;
      if (vs !== -1) {
        const colon = text.indexOf(':', vs);
        vs = colon === -1 || colon >= e ? -1 : colon + 1;
      }
    } else if (kind === MYSQL) {
      if (e - s > 2 && text.startsWith('-p', s)) vs = s + 2;
    } else if (optionIs(text, prevS, prevE, '-p')) vs = s;
    else if (e - s > 2 && text.startsWith('-p', s) && (text.charCodeAt(from - 2) | 32) === 115)
      vs = s + 2; // sshpass -pPASS
    if (vs !== -1 && vs < e) {
      const q = text.charCodeAt(vs);
      let ve = e;
      if ((q === 39 || q === 34) && text.charCodeAt(e - 1) === q && e - vs > 2) {
        vs++;
        ve--;
      }
      const value = text.slice(vs, ve);
      if (
        value.charCodeAt(0) !== 36 &&
        !isPlaceholder(value) &&
        !COMMAND_PLACEHOLDER_RE.test(value)
      )
        emit('PASSWORD', vs, ve, 0.85, 'command-line');
    }
    prevS = s;
    prevE = e;
  }
}

function isTrailingPunct(c: number): boolean {
  // . , ; : ) ] } >
  return (
    c === 46 || c === 44 || c === 59 || c === 58 || c === 41 || c === 93 || c === 125 || c === 62
  );
}

/**
 * Whether an unquoted value under a password key at `i` names a variable instead of being the
 * password: a snake_case or camelCase name with a credential word as one of its parts
 * (`user.password = hashed_password`, `newPassword`). The bare word itself (`password`) is a
 * variable only where code puts it: after an attribute key (`self.password = password`), in a
 * call or a literal (`password=password)`, `{"password": password}`); in a config file
 * (`POSTGRES_PASSWORD: password`) it is the password.
 */
function namesVariable(text: string, i: number, value: string, assign: string): boolean {
  if (NAME_PARTS_RE.test(value)) {
    const words = value.replace(/([a-z])(?=[A-Z])/g, '$1_');
    return CRED_PART_RE.test(words);
  }
  if (!CRED_WORD_RE.test(value)) return false;
  const after = text.charCodeAt(valueEnd);
  if (after === 41 || after === 44 || after === 125) return true;
  if (assign.includes('"') || assign.includes("'")) return true;
  let k = i;
  while (k > 0 && i - k < 40 && (isAlnum(text.charCodeAt(k - 1)) || text.charCodeAt(k - 1) === 95))
    k--;
  return k > 0 && text.charCodeAt(k - 1) === 46;
}

function isNameChar(c: number): boolean {
  return isAlnum(c) || c === 95 || c === 45 || c === 46;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Whether `word` (lower case) ends right before `k` as a word of its own, in any case. */
function wordEndsAt(text: string, k: number, word: string): boolean {
  const s = k - word.length;
  return (
    s >= 0 &&
    text.slice(s, k).toLowerCase() === word &&
    (s === 0 || !isAlnum(text.charCodeAt(s - 1)))
  );
}

// How far after a name its value field may start: the rest of the object, or the next line or two.
const PAIR_GAP = 80;
// Whether the value found by pairedValueStart is the text of an XML element.
let pairedElement = false;

/**
 * Start of the value that goes with a credential name held as data rather than as a key, or -1:
 * a `name`/`key` field followed right away by a `value` field (Kubernetes and Helm's `- name:
 * DB_PASSWORD` with `value:` on the next line, ECS's `{"name": "DB_PASSWORD", "value": …}`, .NET's
 * `<add key="DbPassword" value="…" />`), or an XML element (`<password>…</password>`). The keyword
 * is at `i`, its name runs on from `e`. Reads a bounded stretch either side.
 */
function pairedValueStart(text: string, i: number, e: number): number {
  const n = text.length;
  let s = i;
  while (s > 0 && i - s < 40 && isNameChar(text.charCodeAt(s - 1))) s--;
  let f = e;
  while (f < n && f - e < 30 && isNameChar(text.charCodeAt(f))) f++;
  pairedElement = s > 0 && text.charCodeAt(s - 1) === 60 && text.charCodeAt(f) === 62;
  if (pairedElement) return f + 1;
  let k = s;
  const q = text.charCodeAt(k - 1);
  if (q === 34 || q === 39) k--;
  while (k > 0 && s - k < 8 && isBlank(text.charCodeAt(k - 1))) k--;
  const sep = text.charCodeAt(k - 1);
  if (sep !== 58 && sep !== 61) return -1;
  k--;
  while (k > 0 && s - k < 12 && isBlank(text.charCodeAt(k - 1))) k--;
  if (text.charCodeAt(k - 1) === 34 || text.charCodeAt(k - 1) === 39) k--;
  if (!wordEndsAt(text, k, 'name') && !wordEndsAt(text, k, 'key')) return -1;
  if (f < n && (text.charCodeAt(f) === 34 || text.charCodeAt(f) === 39)) f++;
  const limit = Math.min(n, f + PAIR_GAP);
  let breaks = 0;
  while (f < limit) {
    const c = text.charCodeAt(f);
    if (c === 10 && ++breaks > 2) return -1;
    if (isBlank(c) || c === 44 || c === 10 || c === 13) f++;
    else break;
  }
  if (f < n && (text.charCodeAt(f) === 34 || text.charCodeAt(f) === 39)) f++;
  if (f + 5 > n || text.slice(f, f + 5).toLowerCase() !== 'value') return -1;
  f += 5;
  if (f < n && (text.charCodeAt(f) === 34 || text.charCodeAt(f) === 39)) f++;
  const end = Math.min(n, f + 4);
  while (f < end && isBlank(text.charCodeAt(f))) f++;
  const c = text.charCodeAt(f);
  if (c !== 58 && c !== 61) return -1;
  f++;
  while (f < end + 4 && isBlank(text.charCodeAt(f))) f++;
  return f;
}

/**
 * Whether the keyword at `i` ends a command-line option that starts after a blank:
 * `--password`, PowerShell's `-Password`, `--db-password`, keytool's `-storepass`.
 */
function optionAt(text: string, i: number): boolean {
  let s = i;
  while (s > 0 && i - s < 30) {
    const c = text.charCodeAt(s - 1);
    if (isAlnum(c) || c === 45) s--;
    else break;
  }
  return s < i && text.charCodeAt(s) === 45 && (s === 0 || isSpace(text.charCodeAt(s - 1)));
}

/**
 * SQL's `IDENTIFIED BY 'x'` (MySQL, Oracle): a quoted password after the words at `from`. Written
 * in lower case, as prose may be ("identified by 'jdoe'"), the value needs a digit or a symbol.
 */
function scanIdentifiedBy(
  text: string,
  from: number,
  upper: boolean,
  emit: ScanInput['emit'],
): void {
  let k = from;
  while (k < text.length && k - from < 4 && isBlank(text.charCodeAt(k))) k++;
  const q = text.charCodeAt(k);
  if (q !== 39 && q !== 34) return;
  valueInQuery = false;
  valueInElement = false;
  if (!readValue(text, k, false) || !valueQuoted) return;
  const value = text.slice(valueStart, valueEnd);
  if (value.length < 3 || value.charCodeAt(0) === 36 || isPlaceholder(value)) return;
  if (!upper && !/[\d\W_]/.test(value)) return;
  emit('PASSWORD', valueStart, valueEnd, 0.85, 'credential-context');
}

// The checks on a value read after a credential word, apart from the loop above: V8 inlines the
// loop's small helpers only while it stays under its size budget.

// Whether the value blankValueAfter accepted is SQL's quoted literal.
let afterSqlKeyword = false;

/**
 * Whether the password word at text[i, i + len) takes the value after one blank: a command-line
 * option ("--password X", "-Password 'X'", "-storepass X"), a .netrc line and SQL ("WITH
 * PASSWORD 'X'").
 */
function blankValueAfter(text: string, i: number, len: number): boolean {
  afterSqlKeyword = false;
  if (text.charCodeAt(i + len) !== 32) return false;
  const q = text.charCodeAt(i + len + 1);
  // A variable, an expression or the next option is not the password.
  if (optionAt(text, i)) return q !== 36 && q !== 40 && q !== 45;
  if (len !== 8) return false;
  if (
    (q === 39 || q === 34) &&
    (text.startsWith('PASSWORD', i) || SQL_BEFORE_RE.test(text.slice(Math.max(0, i - 12), i)))
  ) {
    afterSqlKeyword = true;
    return true;
  }
  return NETRC_LOGIN_RE.test(text.slice(Math.max(0, i - 80), i));
}

/**
 * Whether the credential word at text[i, i + len) ends an AWS setting's name that takes its value
 * after one blank, as `aws configure set aws_secret_access_key <key>` and `aws_session_token
 * <token>` write them.
 */
function awsSettingAt(text: string, i: number, len: number): boolean {
  if (text.charCodeAt(i + len) !== 32) return false;
  let k = i;
  while (k > 0 && i - k < 24 && (isAlnum(text.charCodeAt(k - 1)) || text.charCodeAt(k - 1) === 95))
    k--;
  return i - k >= 4 && text.slice(k, k + 4).toLowerCase() === 'aws_';
}

/** Whether `value`, read after the password word at text[i, i + len), is a password. */
function isPassword(
  text: string,
  i: number,
  len: number,
  value: string,
  prose: boolean,
  op: string,
  assign: string,
): boolean {
  if (prose && (PROSE_WORDS.has(value.toLowerCase()) || !/[\d\W_]|[a-z][A-Z]/.test(value)))
    return false;
  if (!valueQuoted && isCode(value)) return false;
  if (!valueQuoted && namesVariable(text, i, value, assign)) return false;
  if (!valueQuoted && op === ':' && TYPE_NAME_RE.test(value)) return false;
  // MySQL's "Access denied for user 'root'@'localhost' (using password: YES)".
  if (value === 'YES' && text.slice(Math.max(0, i - 7), i).toLowerCase() === '(using ')
    return false;
  // $PWD and $OLDPWD hold the working directory.
  return !(len === 3 && (value[0] === '/' || value[0] === '~'));
}

/**
 * Whether "_KEY" at i ends an environment variable's name in capitals ("SENDGRID_KEY=") that is
 * set right after it with `=` or `:`.
 */
function envKeyAt(text: string, i: number): boolean {
  if (!text.startsWith('_KEY', i)) return false;
  let k = i;
  while (k > 0 && i - k < 40) {
    const c = text.charCodeAt(k - 1);
    if (!isUpper(c) && !isDigit(c) && c !== 95) break;
    k--;
  }
  if (k === i || (k > 0 && isAlnum(text.charCodeAt(k - 1)))) return false;
  let e = i + 4;
  while (text.charCodeAt(e) === 32) e++;
  return text.charCodeAt(e) === 61 || text.charCodeAt(e) === 58;
}

/** Reports `value`, read after the credential word `word` at i, as a secret if it is one. */
function emitSecret(
  text: string,
  i: number,
  word: string,
  value: string,
  assign: string,
  want: ScanInput['want'],
  emit: ScanInput['emit'],
): void {
  if (value.length < 12) return;
  // Identifiers and code name a secret, they are not one: "AutoTokenizer.from_pretrained(",
  // "client_credentials", a URL. Only a call or an index is code: a "(" elsewhere is one of
  // a generated key's symbols (Django's "x7#k2(p9m!…").
  if (isCode(value) || SNAKE_WORDS_RE.test(value) || value.includes('://')) return;
  // An environment key names a path or a file as often as a secret ("S3_KEY=uploads/2024/a.png").
  if (word.charCodeAt(0) === 95 && wordParts(value, /[/._-]/, 2)) return;
  // Names made of words: "my-app-tls-secret-name-2024", "oauth2_client_credentials",
  // "RootManageSharedAccessKey", "Authorization". A random token or a UUID is not one.
  if (CASED_WORDS_RE.test(value)) return;
  // A sentence in a string ("Delegation (actor_token) is not supported: …"); "Bearer x" is not one.
  // An Authorization header's value has blanks ("AWS4-HMAC-SHA256 Credential=…, …").
  if (valueQuoted && blankCount(value) >= 2 && (word.charCodeAt(0) | 32) !== 97) return;
  // A parameter nested in the value, up to the next one (an Azure SharedAccessSignature=
  // sv=…&sig=…), is read on its own; base64 padding ("…==") is not one.
  if (isDigit(value.charCodeAt(0)) && TIMESTAMP_RE.test(value)) return;
  if (!valueQuoted && text.charCodeAt(valueEnd) === 38 && NESTED_PARAM_RE.test(value)) return;
  // Only compared with 3 and 3.5 below.
  const entropy = shannonEntropy(value, 3.5);
  if (entropy < 3) return;
  if (
    want.has('AWS_SECRET_KEY') &&
    value.length === AWS_SECRET_LEN &&
    /^[A-Za-z0-9/+]{40}$/.test(value) &&
    // "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", and the camelCase of AWS's own JSON
    // and SDKs: "SecretAccessKey", "secretAccessKey".
    /aws|secret[ _-]?access/.test(
      (text.slice(Math.max(0, i - 12), i) + word + assign).toLowerCase(),
    )
  ) {
    emit('AWS_SECRET_KEY', valueStart, valueEnd, 0.9, 'aws-secret-context');
  } else if (want.has('SECRET')) {
    // A token longer than VALUE_MAX (an STS session token runs to a kilobyte or more) is
    // masked whole, not its first part; the scan goes on after it, so nothing is read twice.
    if (valueCut) {
      while (valueEnd < text.length && !bareStop(text, valueEnd)) valueEnd++;
      while (valueEnd > valueStart && isTrailingPunct(text.charCodeAt(valueEnd - 1))) valueEnd--;
    }
    emit('SECRET', valueStart, valueEnd, entropy >= 3.5 ? 0.8 : 0.6, 'entropy+credential-context');
  }
}

export function scanCredentialValues(input: ScanInput): void {
  const { text, want, emit } = input;
  if (!want.has('PASSWORD') && !want.has('SECRET') && !want.has('AWS_SECRET_KEY')) return;
  CRED_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CRED_RE.exec(text)) !== null) {
    const i = m.index;
    const len = m[0].length;
    const last = m[0].charCodeAt(len - 1);
    if (last === 32 || last === 9) {
      // A command ("curl ", "docker login "), read as a whole word.
      if (!want.has('PASSWORD') || (i > 0 && isTokenChar(text.charCodeAt(i - 1)))) continue;
      if ((m[0].charCodeAt(0) | 32) === 105)
        scanIdentifiedBy(text, i + len, m[0].charCodeAt(0) === 73, emit);
      else scanCommand(text, i + len, commandKind(m[0]), emit);
      continue;
    }
    // "_KEY" ends an environment variable's name ("SENDGRID_KEY", "NEW_RELIC_LICENSE_KEY"), in
    // capitals only: "sort_key" and "primary_key" name columns.
    if (m[0].charCodeAt(0) === 95 && !envKeyAt(text, i)) continue;
    // "pass…" and "pwd" name a password ("private key" does not).
    const passwordWord = namesPassword(m[0]);
    // "sig" (a signature in a query string: `&sig=`, `X-Amz-Signature=`) is a word on its own only.
    const sig = len === 3 && (m[0].charCodeAt(0) | 32) === 115;
    // "pass", "pwd" and "sig" are short enough to sit inside other words.
    const short = (passwordWord && len <= 4) || sig;
    if (
      i > 0 &&
      isAsciiLetter(text.charCodeAt(i - 1)) &&
      !keywordStartOk(text, i, len, short) &&
      !(len === 4 && passwordWord && STOREPASS_RE.test(text.slice(Math.max(0, i - 12), i)))
    )
      continue;
    // "oauth:" names a protocol ("urn:ietf:params:oauth:token-type:jwt"); its tokens have names.
    if ((text.charCodeAt(i - 1) | 32) === 111 && (m[0].charCodeAt(0) | 32) === 97) continue;
    if (!keywordEndOk(text, i + len, short && (len === 4 || sig))) continue;
    ASSIGN_RE.lastIndex = i + len;
    const a = ASSIGN_RE.exec(text);
    let op: string;
    let assign: string;
    let vStart: number;
    let sqlLiteral = false;
    if (a !== null) {
      op = a[1];
      assign = a[0];
      vStart = ASSIGN_RE.lastIndex;
      // "token - based" is prose; "Client Secret - …" at the start of a line is a label.
      if (op.length === 3 && op.charCodeAt(1) === 45 && !labelStartsLine(text, i)) continue;
      // "is" in other languages: after a password word only; Portuguese "é" only after "senha".
      if (op.length > 2 && !ENGLISH_IS_RE.test(op)) {
        if (!passwordWord || (PORTUGUESE_IS_RE.test(op) && m[0].toLowerCase() !== 'senha'))
          continue;
      }
      if (namesSomethingElse(text, i + len, (m[0].charCodeAt(0) | 32) === 115 && len === 6))
        continue;
    } else if ((vStart = pairedValueStart(text, i, i + len)) !== -1) {
      if (namesSomethingElse(text, i + len, (m[0].charCodeAt(0) | 32) === 115 && len === 6))
        continue;
      op = pairedElement ? '>' : ':';
      assign = '';
    } else {
      if (passwordWord ? !blankValueAfter(text, i, len) : !awsSettingAt(text, i, len)) continue;
      sqlLiteral = passwordWord && afterSqlKeyword;
      op = ' ';
      assign = ' ';
      vStart = i + len + 1;
    }
    const prose = op.length > 2 || (a === null && !sqlLiteral);
    valueInQuery = op === '=' && i > 0 && queryNameAt(text, i);
    valueInElement = op === '>';
    // BEARER_RE is asked only where its first letter is.
    const b = text.charCodeAt(vStart) | 32;
    if (b === 98 || b === 116) {
      BEARER_RE.lastIndex = vStart;
      if (BEARER_RE.exec(text) !== null) vStart = BEARER_RE.lastIndex;
    }
    if (!readValue(text, vStart, passwordWord && op === ':')) continue;
    // Placeholders are checked before trimming: "<your-password>" must not lose its ">".
    const read = text.slice(valueStart, valueEnd);
    if (isPlaceholder(read)) continue;
    const readEnd = valueEnd;
    if (!valueQuoted)
      while (valueEnd > valueStart && isTrailingPunct(text.charCodeAt(valueEnd - 1))) valueEnd--;
    // Untrimmed, the value is the string just tested; only a trimmed one is tested again.
    const value = valueEnd === readEnd ? read : text.slice(valueStart, valueEnd);
    if (value.length < 3 || (valueEnd !== readEnd && PLACEHOLDER_RE.test(value))) continue;
    // A template literal's interpolation (`Bearer ${token}`) is code, quoted or not.
    if ((!valueQuoted && notAValue(value, passwordWord)) || value.includes('${')) continue;
    if (passwordWord) {
      if (want.has('PASSWORD') && isPassword(text, i, len, value, prose, op, assign))
        emit('PASSWORD', valueStart, valueEnd, 0.85, 'credential-context');
    } else emitSecret(text, i, m[0], value, assign, want, emit);
    CRED_RE.lastIndex = Math.max(CRED_RE.lastIndex, valueEnd);
  }
  if (want.has('PASSWORD')) {
    scanDsnPasswords(text, emit);
    scanPasswordArguments(text, emit);
    scanOtherScriptPasswords(text, emit);
  }
}

/**
 * The word for a password in scripts the credential words above do not cover: Chinese
 * (密码, 密碼, 口令), Japanese (パスワード), Korean (비밀번호) and Russian (пароль), as
 * detection reads them (normalized: the kana without its voicing marks, Hangul in its letters,
 * the Cyrillic letters that look Latin folded).
 */
const OTHER_SCRIPT_PASSWORD_WORDS = [
  '密码',
  '密碼',
  '口令',
  'パスワード',
  '비밀번호',
  'пароль',
  'Пароль',
  // As labels and forms write it: ЛОГИН/ПАРОЛЬ.
  'ПАРОЛЬ',
].map((w) => normalizeMap(w).text);
// "is" after the word, in Chinese (密码是 …, 密码为 …) and Japanese (パスワードは …).
const WORD_IS = new Set([0x662f, 0x4e3a, 0x70ba, 0x306f]);
const OTHER_SCRIPT_VALUE_MAX = 128;

/** A character that ends a password written in running CJK or Hangul text. */
function endsOtherScriptValue(c: number): boolean {
  return (
    c <= 32 ||
    c === 34 ||
    c === 39 ||
    c === 96 ||
    c === 60 ||
    (c >= 0x1100 && c <= 0x11ff) ||
    (c >= 0x2e80 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfaff)
  );
}

function scanOtherScriptPasswords(text: string, emit: ScanInput['emit']): void {
  for (const word of OTHER_SCRIPT_PASSWORD_WORDS) {
    for (let k = text.indexOf(word); k !== -1; k = text.indexOf(word, k + word.length)) {
      // пароль inside a longer word ("непароль", whose е reads as a Latin e) is another word.
      const last = word.charCodeAt(word.length - 1);
      if (last === 0x44c || last === 0x42c) {
        const before = text.charCodeAt(k - 1);
        const after = text.charCodeAt(k + word.length);
        const letter = (c: number): boolean => isAsciiLetter(c) || (c >= 0x400 && c <= 0x4ff);
        if (letter(before) || letter(after)) continue;
      }
      let v = k + word.length;
      while (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9) v++;
      const op = text.charCodeAt(v);
      if (op !== 58 && op !== 61 && !WORD_IS.has(op)) {
        const bare = bareValueAt(text, k + word.length, v);
        if (bare !== -1) bareOtherScriptPassword(text, bare, emit);
        continue;
      }
      v++;
      // "Is" and a colon both: 密码是：….
      if (op !== 58 && op !== 61 && text.charCodeAt(v) === 58) v++;
      while (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9) v++;
      const open = text.charCodeAt(v);
      // 「…」 and 『…』 are how Japanese, and often Chinese, quote a value.
      const quote =
        open === 0x300c
          ? 0x300d
          : open === 0x300e
            ? 0x300f
            : open === 34 || open === 39 || open === 96
              ? open
              : 0;
      const quoted = quote !== 0;
      if (quoted) v++;
      let e = v;
      const limit = Math.min(text.length, v + OTHER_SCRIPT_VALUE_MAX);
      if (quoted)
        while (e < limit && text.charCodeAt(e) !== quote && text.charCodeAt(e) !== 10) e++;
      else while (e < limit && !endsOtherScriptValue(text.charCodeAt(e))) e++;
      if (!quoted) while (e > v && /[.,;:)\]}]/.test(text[e - 1])) e--;
      if (!quoted && russianWord(text, v, e)) continue;
      if (writtenPassword(text.slice(v, e))) emit('PASSWORD', v, e, 0.85, 'credential-context');
    }
  }
}

// The topic and subject particles after 비밀번호 (비밀번호는 …, 비밀번호가 …), in their letters.
const KOREAN_PARTICLES = ['는', '가'].map((w) => normalizeMap(w).text);

/**
 * Start of a value written after the word with no colon, or -1: after a Korean particle and a
 * blank ("비밀번호는 hunter2secret"), or after пароль and a blank ("пароль hunter2secret"). `end`
 * is the word's end, `v` the first non-blank after it.
 */
function bareValueAt(text: string, end: number, v: number): number {
  const last = text.charCodeAt(end - 1);
  if (last === 0x44c || last === 0x42c) return v > end ? v : -1;
  if (last < 0x1100 || last > 0x11ff) return -1;
  for (const particle of KOREAN_PARTICLES) {
    if (!text.startsWith(particle, end)) continue;
    let b = end + particle.length;
    const from = b;
    while (text.charCodeAt(b) === 32 || text.charCodeAt(b) === 9) b++;
    return b > from ? b : -1;
  }
  return -1;
}

/**
 * A value after the word without a colon is taken only when it has a password's shape: 8 to 64
 * printable ASCII characters with a letter and a digit or a sign, not an upper-case name
 * (SHA256, AES128GCM). Without the colon the sentence may go on ("пароль от почты", "비밀번호는
 * 8자 이상", "пароль Wi-Fi"), and those words are not passwords.
 */
function bareOtherScriptPassword(text: string, v: number, emit: ScanInput['emit']): void {
  let e = v;
  let letter = false;
  let other = false;
  let lower = false;
  while (e < text.length && e - v <= BARE_VALUE_MAX) {
    const c = text.charCodeAt(e);
    if (c <= 32 || c > 126) break;
    if (isAsciiLetter(c)) {
      letter = true;
      if (c >= 97) lower = true;
    } else if (c < 48 || c > 57) {
      other = true;
      lower = true;
    } else other = true;
    e++;
  }
  while (e > v && /[.,;:)\]}]/.test(text[e - 1])) e--;
  if (e - v > BARE_VALUE_MAX || e - v < 8 || !letter || !other || !lower) return;
  // Glued to a Cyrillic word, it is part of that word.
  const next = text.charCodeAt(e);
  if (next >= 0x400 && next <= 0x4ff) return;
  const value = text.slice(v, e);
  // A link after the word is where to set one ("пароль https://…/reset").
  if (!value.includes('://') && writtenPassword(value))
    emit('PASSWORD', v, e, 0.7, 'credential-context');
}
const BARE_VALUE_MAX = 64;

/**
 * Whether text[from, to) is one word in Cyrillic letters (those that look Latin read as Latin):
 * after пароль it is the sentence going on ("Пароль: обязательное поле", "пароль: неверный"),
 * as "required" is after "Password:". A password would hold a digit or a sign, or be quoted.
 */
function russianWord(text: string, from: number, to: number): boolean {
  let cyrillic = false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x400 && c <= 0x4ff) cyrillic = true;
    else if (!isAsciiLetter(c)) return false;
  }
  return cyrillic;
}

/**
 * Calls that take a user and a password as positional arguments, and the password's place:
 * `HTTPBasicAuth("user", "pw")`, `FTP.login("user", "pw")`, Go's `req.SetBasicAuth(…)` and
 * `smtp.PlainAuth("", "user", "pw", host)`, JDBC's `getConnection(url, "user", "pw")`, .NET's
 * `NetworkCredential`, Java's `PasswordAuthentication("user", "pw".toCharArray())`.
 */
const PASSWORD_ARGUMENT = new Map<string, number>([
  ['HTTPBasicAuth', 1],
  ['HTTPDigestAuth', 1],
  ['HTTPProxyAuth', 1],
  ['BasicAuth', 1],
  ['DigestAuth', 1],
  ['SetBasicAuth', 1],
  ['setBasicAuth', 1],
  ['withBasicAuth', 1],
  ['basicAuth', 1],
  ['NetworkCredential', 1],
  ['UsernamePasswordCredentials', 1],
  ['UsernamePasswordAuthenticationToken', 1],
  ['PasswordAuthentication', 1],
  ['getConnection', 2],
  ['PlainAuth', 2],
  // Names other code uses too: read only when the user is written out as well.
  ['login', 1],
  ['auth', 1],
]);
const GENERIC_CALLS = new Set(['login', 'auth']);
// A user and password pair given to a keyword: requests' and httpx's `auth=("user", "pw")`,
// Elasticsearch's `basic_auth=(…)` and `http_auth=(…)`, a JSON `"auth": ["user", "pw"]`.
const AUTH_PAIR_RE = /(?:^|[^A-Za-z0-9])(?:[a-z]+_)?auth["']?\s*[=:]\s*$/i;
const CALL_NAME_MAX = 40;
// Not a password written out: blanks (a sentence), a template's or format's field ("${pw}",
// "{password}", "%s", "{0}").
const FORMATTED_RE = /\s|\$\{|\{\w*\}|%[sdv]/;

/**
 * A value read where a password stands (a call's argument, after a label in another script)
 * that is one: not a placeholder, documentation's word for it, or a template's field.
 */
function writtenPassword(value: string): boolean {
  return (
    value.length >= 3 &&
    !PLACEHOLDER_RE.test(value) &&
    !COMMAND_PLACEHOLDER_RE.test(value) &&
    !FORMATTED_RE.test(value)
  );
}
// How far a call's arguments are read.
const ARGUMENTS_MAX = 512;

function isIdentifierCode(c: number): boolean {
  return isAsciiLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 36;
}

/** The password's place among the arguments opened at `open`, or undefined for other calls. */
function passwordPlace(text: string, open: number, bracket: number): PasswordPlace | undefined {
  let s = open;
  while (s > 0 && open - s <= CALL_NAME_MAX && isIdentifierCode(text.charCodeAt(s - 1))) s--;
  if (bracket === 40 && s < open && !isIdentifierCode(text.charCodeAt(s - 1))) {
    const name = text.slice(s, open);
    const index = PASSWORD_ARGUMENT.get(name);
    if (index !== undefined) return { index, pair: false, literalUser: GENERIC_CALLS.has(name) };
  }
  if (s < open) return undefined;
  // A tuple or list after `auth=`: nothing but blanks between them.
  while (
    s > 0 &&
    open - s <= CALL_NAME_MAX &&
    (text.charCodeAt(s - 1) === 32 || text.charCodeAt(s - 1) === 9)
  )
    s--;
  const before = text.charCodeAt(s - 1);
  if (before !== 61 && before !== 58) return undefined;
  return AUTH_PAIR_RE.test(text.slice(Math.max(0, open - CALL_NAME_MAX), open))
    ? { index: 1, pair: true, literalUser: true }
    : undefined;
}

type PasswordPlace = { index: number; pair: boolean; literalUser: boolean };

/** A call (or `auth=` tuple) whose arguments are being read. */
interface OpenCall {
  readonly open: number;
  readonly place: PasswordPlace;
  /** Each argument's start and end, in turn. */
  readonly args: number[];
  /** Where the argument being read starts. */
  start: number;
  /** Brackets open inside the argument being read, a recognized call's excepted. */
  depth: number;
}

// Recognized calls read at once, one inside another; deeper ones count as brackets only.
const NESTED_CALLS_MAX = 16;

/**
 * Reads the arguments of every recognized call in one pass: a call inside another's arguments
 * ("session.auth(HTTPBasicAuth(…))", or after a stray "login(" in prose) is read as well as the
 * one around it, and no character is read twice, so nested calls ("login(login(login(…") cost
 * what other text does. Quotes, escapes and nesting are respected.
 */
function scanPasswordArguments(text: string, emit: ScanInput['emit']): void {
  const calls: OpenCall[] = [];
  let quote = 0;
  // Where reading stops: ARGUMENTS_MAX past the last call opened.
  let until = 0;
  let nextParen = text.indexOf('(');
  let nextBracket = text.indexOf('[');
  for (let k = 0; k < text.length; k++) {
    if (calls.length === 0) {
      // Between calls: on to the next bracket that may open one.
      if (nextParen !== -1 && nextParen < k) nextParen = text.indexOf('(', k);
      if (nextBracket !== -1 && nextBracket < k) nextBracket = text.indexOf('[', k);
      if (nextParen === -1 && nextBracket === -1) return;
      k =
        nextParen === -1
          ? nextBracket
          : nextBracket === -1
            ? nextParen
            : Math.min(nextParen, nextBracket);
      const place = passwordPlace(text, k, text.charCodeAt(k));
      if (place !== undefined) {
        calls.push({ open: k, place, args: [], start: k + 1, depth: 0 });
        quote = 0;
        until = k + ARGUMENTS_MAX;
      }
      continue;
    }
    if (k >= until) {
      calls.length = 0;
      k--;
      continue;
    }
    const c = text.charCodeAt(k);
    const call = calls[calls.length - 1];
    if (quote !== 0) {
      if (c === 92) k++;
      else if (c === quote) quote = 0;
    } else if (c === 34 || c === 39 || c === 96) quote = c;
    else if (c === 40 || c === 91 || c === 123) {
      const place =
        c !== 123 && calls.length < NESTED_CALLS_MAX ? passwordPlace(text, k, c) : undefined;
      if (place === undefined) call.depth++;
      else {
        calls.push({ open: k, place, args: [], start: k + 1, depth: 0 });
        until = k + ARGUMENTS_MAX;
      }
    } else if ((c === 41 || c === 93 || c === 125) && call.depth > 0) call.depth--;
    else if (c === 44 || c === 41 || c === 93) {
      call.args.push(call.start, k);
      call.start = k + 1;
      if (c !== 44) {
        calls.pop();
        if (k - call.open < ARGUMENTS_MAX) reportPasswordArgument(text, call, emit);
      }
    }
  }
}

/**
 * Reports the argument of a call read to its end that stands at its password's place, when it
 * is a string written out: not a variable, a format placeholder or a blank.
 */
function reportPasswordArgument(text: string, call: OpenCall, emit: ScanInput['emit']): void {
  const { place, args } = call;
  // A trailing comma (black's "magic" one, Go's on a call over several lines) adds no argument.
  let count = args.length / 2;
  if (count > 1 && isBlankRange(text, args[args.length - 2], args[args.length - 1])) count--;
  if (place.pair && count !== 2) return;
  const password = literalAt(text, args[2 * place.index], args[2 * place.index + 1]);
  if (password === undefined) return;
  if (place.literalUser) {
    const user = place.index - 1;
    if (literalAt(text, args[2 * user], args[2 * user + 1]) === undefined) return;
  }
  const [s, e] = password;
  if (writtenPassword(text.slice(s, e))) emit('PASSWORD', s, e, 0.85, 'credential-call');
}

function isBlankRange(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) > 32) return false;
  return true;
}

/** The inside of the string literal text[from, to) holds (trimmed; `.toCharArray()` allowed). */
function literalAt(
  text: string,
  from: number | undefined,
  to: number | undefined,
): [number, number] | undefined {
  if (from === undefined || to === undefined) return undefined;
  let s = from;
  let e = to;
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /\s/.test(text[e - 1])) e--;
  if (text.endsWith('.toCharArray()', e)) e -= '.toCharArray()'.length;
  const q = text.charCodeAt(s);
  if (e - s < 2 || (q !== 34 && q !== 39 && q !== 96) || text.charCodeAt(e - 1) !== q) return;
  for (let k = s + 1; k < e - 1; k++) {
    const c = text.charCodeAt(k);
    if (c === 92) k++;
    else if (c === q) return undefined;
  }
  return [s + 1, e - 1];
}

// Connection strings without a scheme's "://": Go's MySQL driver ("root:pw@tcp(db:3306)/app")
// and Oracle's "user/password@" after "jdbc:oracle:thin:" or "sqlplus ".
const GO_DSN_ANCHORS = ['@tcp(', '@unix(', '@udp('];
const ORACLE_ANCHORS = ['jdbc:oracle:thin:', 'sqlplus '];
// The longest "user:password" or "user/password" read before its "@".
const DSN_CREDENTIALS_MAX = 128;

function isDsnChar(c: number): boolean {
  return c > 32 && c !== 34 && c !== 39 && c !== 96 && c !== 64 && c !== 40 && c !== 44;
}

/** The first `code` in text[from, to), or -1: a search that never reads past `to`. */
function indexWithin(text: string, code: number, from: number, to: number): number {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === code) return k;
  return -1;
}

function scanDsnPasswords(text: string, emit: ScanInput['emit']): void {
  for (const anchor of GO_DSN_ANCHORS) {
    for (let at = text.indexOf(anchor); at !== -1; at = text.indexOf(anchor, at + anchor.length)) {
      let s = at;
      while (s > 0 && at - s < DSN_CREDENTIALS_MAX && isDsnChar(text.charCodeAt(s - 1))) s--;
      const colon = indexWithin(text, 58, s, at);
      if (colon > s && colon + 1 < at && text.charCodeAt(colon + 1) !== 36)
        emit('PASSWORD', colon + 1, at, 0.85, 'dsn');
    }
  }
  for (const anchor of ORACLE_ANCHORS) {
    for (let k = text.indexOf(anchor); k !== -1; k = text.indexOf(anchor, k + anchor.length)) {
      let s = k + anchor.length;
      while (text.charCodeAt(s) === 32) s++;
      let e = s;
      while (e < text.length && e - s < DSN_CREDENTIALS_MAX && isDsnChar(text.charCodeAt(e))) e++;
      const slash = indexWithin(text, 47, s, e);
      // "sqlplus / as sysdba" names no user; "user/$PASS" is a variable.
      if (slash <= s || slash + 1 >= e || text.charCodeAt(slash + 1) === 36) continue;
      const at = text.charCodeAt(e) === 64 ? e : -1;
      const end = at === -1 ? e : at;
      if (end > slash + 1 && text.charCodeAt(slash + 1) !== 47)
        emit('PASSWORD', slash + 1, end, 0.85, 'dsn');
    }
  }
}
