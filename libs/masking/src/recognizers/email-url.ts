import { parse as parseDomain } from 'tldts';
import { isPlaceholder } from './secrets';
import { type ScanInput, isAsciiLetter, isDigit } from './types';
import { displayNameBefore } from './words';

const LOCAL_MAX = 64;
const DOMAIN_MAX = 253;

// A local part may be written in any script (RFC 6531: иван.петров@, ελένη@), but not in one
// written without blanks between words (Han, kana, Thai…): there the scan would take the words
// before the address for its local part.
const LOCAL_LETTER_RE = /[\p{L}\p{N}]/u;
const UNSPACED_SCRIPT_RE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

function isLocalChar(c: number): boolean {
  if (c >= 128) {
    const ch = String.fromCharCode(c);
    return LOCAL_LETTER_RE.test(ch) && !UNSPACED_SCRIPT_RE.test(ch);
  }
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45 ||
    c === 39
  );
}
function isDomainChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45
  );
}

/** Public-suffix aware: the domain must end in a known suffix (tldts) with a registrable label. */
export function emailDomainValid(domain: string): boolean {
  if (domain.length < 3 || domain.includes('..') || domain.startsWith('-')) return false;
  const info = parseDomain(domain, { allowPrivateDomains: true });
  return (
    info.domain !== null &&
    info.publicSuffix !== null &&
    (info.isIcann === true || info.isPrivate === true) &&
    !info.isIp
  );
}

/**
 * A character that can begin the path of an scp-like remote (`git@github.com:acme/api.git`,
 * `deploy@host:/srv/app`, `me@host:~/notes`): an ASCII letter or digit, `/`, `~`, `.`, `_`, `-`.
 * Prose puts a blank, a line end or punctuation after a colon, never one of these.
 */
function isScpPathStart(c: number): boolean {
  return (
    isAsciiLetter(c) || isDigit(c) || c === 47 || c === 126 || c === 46 || c === 95 || c === 45
  );
}

/**
 * Anchored on '@' (indexOf), scanning out at most 64 chars left and 253 right; neither scan
 * crosses another '@', so every character is visited a bounded number of times. An '@' written
 * `%40`, as a query string or a form body carries it (`?email=jane.doe%40example.com`), is one
 * too: URL-encoded addresses fill access logs.
 *
 * Two shapes of `user@host` are logins, not mailboxes, and are not reported:
 * - the userinfo of a `scheme://` URL (`ssh://git@host/…`, `https://alice@host/…`, and any
 *   '@' inside `user:password@`): it belongs to the URL, which the URL recognizer reports,
 *   together with a password. The authority is read as that recognizer reads it
 *   (`readAuthority`), from each "://" in turn, once per text and only when a candidate needs it;
 * - an scp-like remote: the domain followed at once by ':' and a path character
 *   (`isScpPathStart`), as in `git@github.com:acme/api.git`. Whatever the user name: the
 *   text names a place to copy from, and the person, if any, is the user name, which a mailbox
 *   rule would mask only by accident. A colon followed by a blank, punctuation or the end of
 *   the text is prose (`Contact alice@example.com: she owns it`) and the address is reported.
 *
 * The display name before an address in angle brackets is reported as a PERSON when the local
 * part spells it (`Jane Doe <jane.doe@example.com>`; displayNameBefore in words.ts).
 */
export function scanEmails(input: ScanInput): void {
  const mailboxes = input.want.has('EMAIL_ADDRESS');
  // A person's name written before an address in angle brackets is found here too.
  const names = input.want.has('PERSON');
  if (!mailboxes && !names) return;
  const text = input.text;
  const n = text.length;
  // The '@'s of the current URL's userinfo lie in [infoFrom, infoTo]; the next "://" is
  // searched from infoK + 3. -2: not read yet.
  let infoK = -2;
  let infoFrom = -1;
  let infoTo = -1;
  const inUserinfo = (pos: number): boolean => {
    while (infoTo < pos) {
      infoK = text.indexOf('://', infoK === -2 ? 0 : infoK + 3);
      if (infoK === -1) {
        infoFrom = infoTo = n;
        break;
      }
      const { s, at } = readAuthority(text, infoK);
      if (s < infoK && at !== -1) {
        infoFrom = infoK + 3;
        infoTo = at;
      }
    }
    return pos >= infoFrom && pos <= infoTo;
  };
  // The next '@' and the next "%40", each searched again only once passed.
  let plain = text.indexOf('@');
  let encoded = text.indexOf('%40');
  let lastEnd = 0;
  while (plain !== -1 || encoded !== -1) {
    const isEncoded = plain === -1 || (encoded !== -1 && encoded < plain);
    const at = isEncoded ? encoded : plain;
    const domainStart = at + (isEncoded ? 3 : 1);
    if (isEncoded) encoded = text.indexOf('%40', at + 3);
    else plain = text.indexOf('@', at + 1);
    let s = at;
    while (s > lastEnd && at - s < LOCAL_MAX && isLocalChar(text.charCodeAt(s - 1))) s--;
    while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 39)) s++;
    let e = domainStart;
    while (e < n && e - at <= DOMAIN_MAX && isDomainChar(text.charCodeAt(e))) e++;
    while (e > domainStart && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    const scp = text.charCodeAt(e) === 58 && isScpPathStart(text.charCodeAt(e + 1));
    if (s < at && e > domainStart && !scp) {
      const domain = text.slice(domainStart, e);
      if (emailDomainValid(domain) && !inUserinfo(at)) {
        if (mailboxes)
          input.emit(
            'EMAIL_ADDRESS',
            s,
            e,
            0.9,
            isEncoded ? 'public-suffix+url-encoded' : 'public-suffix',
          );
        if (names && !isEncoded && s > 0 && text.charCodeAt(s - 1) === 60) {
          const name = displayNameBefore(text, s - 1, text.slice(s, at));
          if (name !== null) input.emit('PERSON', name[0], name[1], 0.75, 'mailbox-display-name');
        }
        lastEnd = e;
      }
    }
  }
}

// Scheme URLs and www. hosts; one bounded class, so each match is linear. CJK punctuation
// (U+3000..U+303F: 。、「」…, which NFKC leaves as they are) ends one: Chinese and Japanese write
// the next words right after it, with no blank, and a URL that ran on took the whole sentence.
const URL_RE = /\b(?:(?:https?|ftp|wss?|sftp):\/\/|www\.)[^\s<>"'`{}|\\^\u3000-\u303f]{1,2048}/gi;
const TRAILING_RE = /[.,;:!?)\]'"*]+$/;
// Punctuation right before a CJK character ends a URL as well: fullwidth "，" and "？" are ','
// and '?' once normalized, and the next words follow them with no blank.
const CJK_AFTER_PUNCT_RE = /[.,;:!?)\]'"*]+(?=[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff])/;
const URL_MAX = 2048;
const SCHEME_MAX = 32;

function isSchemeChar(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c) || c === 43 || c === 46 || c === 45;
}

/** A character URL_RE's class leaves out: blanks, quotes, <>{}|\^ and the backquote. */
function endsUrl(c: number): boolean {
  return (
    c <= 32 ||
    c === 34 ||
    c === 39 ||
    c === 96 ||
    c === 60 ||
    c === 62 ||
    c === 123 ||
    c === 125 ||
    c === 124 ||
    c === 92 ||
    c === 94 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x2028 ||
    c === 0x2029
  );
}

/** Trailing punctuation (TRAILING_RE) is not part of a URL, but a ")" closing a "(" inside it is. */
function trimUrlEnd(text: string, start: number, end: number): number {
  const full = end;
  while (end > start && TRAILING_RE.test(text[end - 1])) end--;
  if (end < full && text.charCodeAt(end) === 41) {
    for (let k = start; k < end; k++) if (text.charCodeAt(k) === 40) return end + 1;
  }
  return end;
}

/**
 * Credentials in any `scheme://user:password@host` (RFC 3986 scheme: postgres, mongodb+srv,
 * redis, amqps, ssh, git, https…), whatever the host: a database URL names an internal host more
 * often than a public one. Anchored on "://" with indexOf, the scheme read backwards (at most 32
 * characters) and the authority forwards up to the first "/", "?" or "#", which the next "://"
 * holds, so no character is read by two authority scans.
 *
 * Reports the whole URL as URL ("url+credentials", 0.95) and the password as PASSWORD
 * ("url-credentials", 0.9): with both types asked for the URL wins, and a policy that masks
 * secrets but not URLs still removes the password.
 */
function scanUrlCredentials(input: ScanInput, wantUrl: boolean, wantPassword: boolean): void {
  const text = input.text;
  const n = text.length;
  let k = text.indexOf('://');
  while (k !== -1) {
    let next = k + 3;
    const { s, colon, at } = readAuthority(text, k);
    if (s < k && colon !== -1 && colon < at) {
      if (wantPassword && at > colon + 1 && !isPlaceholder(text.slice(colon + 1, at)))
        input.emit('PASSWORD', colon + 1, at, 0.9, 'url-credentials');
      if (wantUrl) {
        let end = at + 1;
        while (end < n && end - s < URL_MAX && !endsUrl(text.charCodeAt(end))) end++;
        end = trimUrlEnd(text, s, end);
        if (end > at + 1) input.emit('URL', s, end, 0.95, 'url+credentials');
        next = Math.max(next, end);
      }
    }
    k = text.indexOf('://', next);
  }
}

interface Authority {
  /** Start of the scheme; equal to the "://" position when there is none. */
  readonly s: number;
  /** The first ':' of the authority, or -1. */
  readonly colon: number;
  /** The '@' that ends the userinfo, or -1 when there is no userinfo. */
  readonly at: number;
}

/**
 * Reads the scheme backwards (at most 32 characters) and the authority forwards from the "://"
 * at k, up to the first "/", "?" or "#", which the next "://" holds, so no character is read
 * by two authority scans.
 */
function readAuthority(text: string, k: number): Authority {
  const n = text.length;
  let s = k;
  while (s > 0 && k - s < SCHEME_MAX && isSchemeChar(text.charCodeAt(s - 1))) s--;
  while (s < k && !isAsciiLetter(text.charCodeAt(s))) s++;
  const a = k + 3;
  let e = a;
  let colon = -1;
  let at = -1;
  while (e < n && e - a < URL_MAX) {
    const c = text.charCodeAt(e);
    if (c === 47 || c === 63 || c === 35 || endsUrl(c)) break;
    if (c === 64) at = e;
    else if (c === 58 && colon === -1) colon = e;
    e++;
  }
  // A password holding '/', '?', '#' or '@' unencoded (RFC 3986 forbids them; people
  // paste them anyway) would be cut there, leaving the rest in the clear: it runs instead
  // to the last '@' of the URL that a host follows.
  if (s < k && colon !== -1 && text.charCodeAt(a) !== 91 && !isPort(text, colon + 1, e)) {
    const later = lastAtBeforeHost(text, at === -1 ? e : at + 1, Math.min(n, a + URL_MAX));
    if (later !== -1) at = later;
  }
  return { s, colon, at };
}

/** True when [from, to) is a port number: 1 to 5 digits. */
function isPort(text: string, from: number, to: number): boolean {
  if (to <= from || to - from > 5) return false;
  for (let i = from; i < to; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/**
 * The last '@' in [from, limit), before the URL ends, that a host follows: a name with a dot
 * or a port (`db.internal`, `cache:6379`, `localhost`), then the end of the URL or its path,
 * query or fragment. A handle in a path (`/users/@alice`) is not one. It stops where another
 * URL's "://" begins. -1 when there is none.
 */
function lastAtBeforeHost(text: string, from: number, limit: number): number {
  let found = -1;
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    // Another URL begins: no character is read by two of these scans.
    if (endsUrl(c) || (c === 58 && text.startsWith('//', i + 1))) break;
    if (c === 64 && hostFollows(text, i + 1, limit)) found = i;
  }
  return found;
}

function hostFollows(text: string, from: number, limit: number): boolean {
  let i = from;
  let dot = false;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 46) dot = true;
    else if (!(isAsciiLetter(c) || isDigit(c) || c === 45)) break;
    i++;
  }
  if (i === from) return false;
  let port = false;
  if (i < limit && text.charCodeAt(i) === 58) {
    const p = i + 1;
    while (i + 1 < limit && isDigit(text.charCodeAt(i + 1))) i++;
    port = isPort(text, p, i + 1);
    if (!port) return false;
    i++;
  }
  if (!dot && !port && text.slice(from, i) !== 'localhost') return false;
  if (i >= limit) return true;
  const c = text.charCodeAt(i);
  return c === 47 || c === 63 || c === 35 || endsUrl(c) || TRAILING_RE.test(text[i]);
}

export function scanUrls(input: ScanInput): void {
  const wantUrl = input.want.has('URL');
  const wantPassword = input.want.has('PASSWORD');
  if (!wantUrl && !wantPassword) return;
  scanUrlCredentials(input, wantUrl, wantPassword);
  if (!wantUrl) return;
  const text = input.text;
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(text)) !== null) {
    const cjk = m[0].search(CJK_AFTER_PUNCT_RE);
    let url = (cjk === -1 ? m[0] : m[0].slice(0, cjk)).replace(TRAILING_RE, '');
    // Keep a closing parenthesis that closes one inside the URL (Wikipedia links).
    if (m[0].length > url.length && m[0][url.length] === ')' && url.includes('(')) url += ')';
    const start = m.index;
    const schemeEnd = url.indexOf('://');
    const rest = schemeEnd >= 0 ? url.slice(schemeEnd + 3) : url;
    const authorityEnd = rest.search(/[/?#]/);
    const authority = authorityEnd >= 0 ? rest.slice(0, authorityEnd) : rest;
    const atPos = authority.lastIndexOf('@');
    const credentials = atPos > 0 && authority.slice(0, atPos).includes(':');
    // Reported, whatever the host, by the credentials scan.
    if (credentials && schemeEnd >= 0) continue;
    const hostPort = atPos >= 0 ? authority.slice(atPos + 1) : authority;
    const host = hostPort.startsWith('[')
      ? hostPort.slice(1, hostPort.indexOf(']'))
      : hostPort.replace(/:\d{1,5}$/, '');
    const info = parseDomain(host, { allowPrivateDomains: true });
    const hostOk =
      info.isIp === true ||
      host === 'localhost' ||
      (info.domain !== null && (info.isIcann === true || info.isPrivate === true));
    if (!hostOk) continue;
    input.emit(
      'URL',
      start,
      start + url.length,
      credentials ? 0.95 : 0.6,
      credentials ? 'url+credentials' : 'url+public-suffix',
    );
  }
}
