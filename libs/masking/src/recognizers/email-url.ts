import { parse as parseDomain } from 'tldts';
import { type ScanInput } from './types';

const LOCAL_MAX = 64;
const DOMAIN_MAX = 253;

function isLocalChar(c: number): boolean {
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
 * Anchored on '@' (indexOf), scanning out at most 64 chars left and 253 right; neither scan
 * crosses another '@', so every character is visited a bounded number of times.
 */
export function scanEmails(input: ScanInput): void {
  if (!input.want.has('EMAIL_ADDRESS')) return;
  const text = input.text;
  let at = text.indexOf('@');
  let lastEnd = 0;
  while (at !== -1) {
    let s = at;
    while (s > lastEnd && at - s < LOCAL_MAX && isLocalChar(text.charCodeAt(s - 1))) s--;
    while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 39)) s++;
    let e = at + 1;
    while (e < text.length && e - at <= DOMAIN_MAX && isDomainChar(text.charCodeAt(e))) e++;
    while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
    if (s < at && e > at + 1) {
      const domain = text.slice(at + 1, e);
      if (emailDomainValid(domain)) {
        input.emit('EMAIL_ADDRESS', s, e, 0.9, 'public-suffix');
        lastEnd = e;
      }
    }
    at = text.indexOf('@', at + 1);
  }
}

// Scheme URLs and www. hosts; one bounded class, so each match is linear.
const URL_RE = /\b(?:(?:https?|ftp|wss?|sftp):\/\/|www\.)[^\s<>"'`{}|\\^]{1,2048}/gi;
const TRAILING_RE = /[.,;:!?)\]'"*]+$/;

export function scanUrls(input: ScanInput): void {
  if (!input.want.has('URL')) return;
  const text = input.text;
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(text)) !== null) {
    let url = m[0].replace(TRAILING_RE, '');
    // Keep a closing parenthesis that closes one inside the URL (Wikipedia links).
    if (m[0].length > url.length && m[0][url.length] === ')' && url.includes('(')) url += ')';
    const start = m.index;
    const schemeEnd = url.indexOf('://');
    const rest = schemeEnd >= 0 ? url.slice(schemeEnd + 3) : url;
    const authorityEnd = rest.search(/[/?#]/);
    const authority = authorityEnd >= 0 ? rest.slice(0, authorityEnd) : rest;
    const atPos = authority.lastIndexOf('@');
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
    const credentials = atPos > 0 && authority.slice(0, atPos).includes(':');
    input.emit(
      'URL',
      start,
      start + url.length,
      credentials ? 0.95 : 0.6,
      credentials ? 'url+credentials' : 'url+public-suffix',
    );
  }
}
