import { isIPv6 } from 'node:net';
import { type ScanInput, isDigit, isWordChar } from './types';

// MAC and IPv6 addresses: read from the positions their separators make possible (indexOf). The
// word-shaped entities (IBAN, SWIFT, crypto, letter IDs, month-name dates, names) are in words.ts.

// ---- MAC: "aa:bb:cc:dd:ee:ff", "aa-bb-…", "aabb.ccdd.eeff" ----
// A hand scanner with the semantics of the global regex
//   \b[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b
// (leftmost match first, the next search starts after a match), visiting only the positions a
// separator makes possible, where the regex engine tried both alternatives at every one.
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isAsciiWord(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function hexRun(text: string, at: number, len: number): boolean {
  for (let k = at; k < at + len; k++) if (!isHex(text.charCodeAt(k))) return false;
  return true;
}

/** Length of the MAC address starting at p (17 or 14), or 0. */
function macAt(text: string, p: number): number {
  const n = text.length;
  const sep = text.charCodeAt(p + 2);
  if (p > 0 && isAsciiWord(text.charCodeAt(p - 1))) return 0;
  if (!hexRun(text, p, 2)) return 0;
  if (sep === 58 || sep === 45) {
    if (p + 17 > n) return 0;
    for (let g = 1; g < 6; g++) {
      const b = p + 3 * g;
      if (text.charCodeAt(b - 1) !== sep || !hexRun(text, b, 2)) return 0;
    }
    return p + 17 === n || !isAsciiWord(text.charCodeAt(p + 17)) ? 17 : 0;
  }
  if (p + 14 > n || text.charCodeAt(p + 4) !== 46 || text.charCodeAt(p + 9) !== 46) return 0;
  if (!hexRun(text, p + 2, 2) || !hexRun(text, p + 5, 4) || !hexRun(text, p + 10, 4)) return 0;
  return p + 14 === n || !isAsciiWord(text.charCodeAt(p + 14)) ? 14 : 0;
}

export function scanMacs(input: ScanInput): void {
  if (!input.want.has('MAC_ADDRESS')) return;
  const text = input.text;
  const n = text.length;
  // A match has ':' or '-' at start+2, or '.' at start+4: candidate starts come from indexOf.
  let colon = -2;
  let dash = -2;
  let dot = -2;
  let from = 0;
  for (;;) {
    if (colon !== -1 && colon < from + 2) colon = text.indexOf(':', from + 2);
    if (dash !== -1 && dash < from + 2) dash = text.indexOf('-', from + 2);
    if (dot !== -1 && dot < from + 4) dot = text.indexOf('.', from + 4);
    let p = Number.MAX_SAFE_INTEGER;
    if (colon !== -1) p = colon - 2;
    if (dash !== -1 && dash - 2 < p) p = dash - 2;
    if (dot !== -1 && dot - 4 < p) p = dot - 4;
    if (p === Number.MAX_SAFE_INTEGER || p + 14 > n) return;
    const len = macAt(text, p);
    if (len === 0) {
      from = p + 1;
      continue;
    }
    const end = p + len;
    const next = text.charCodeAt(end);
    const prev = text.charCodeAt(p - 1);
    const glued =
      ((next === 58 || next === 45 || next === 46) &&
        end + 1 < n &&
        isHex(text.charCodeAt(end + 1))) ||
      ((prev === 58 || prev === 45 || prev === 46) && p >= 2 && isHex(text.charCodeAt(p - 2)));
    if (!glued) input.emit('MAC_ADDRESS', p, end, 0.8, 'mac-format');
    from = end;
  }
}

// ---- IPv6: anchored on ':', expanded over hex, ':' and '.', validated by node:net ----
function isV6Char(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 58 || c === 46;
}

/**
 * A short "::" form is code far more often than an address: slices (`x[::2]`, `a[1::3]`) and
 * paths (`a::b`, `std::c`). An address with "::" needs 4 hex digits in all ("fe80::1",
 * "2001:db8::", "::ffff:10.0.0.1"); the loopback "::1" is the one shorter form taken.
 */
function enoughHex(cand: string): boolean {
  let hex = 0;
  for (let k = 0; k < cand.length && hex < 4; k++) if (isHex(cand.charCodeAt(k))) hex++;
  return hex >= 4 || cand === '::1';
}

/** `x[…]`, `f()[…]`, `a[0][…]`: an index or a slice, not the bracketed address of `http://[::1]:80`. */
function indexSyntax(text: string, s: number): boolean {
  if (s < 2 || text.charCodeAt(s - 1) !== 91) return false;
  const c = text.charCodeAt(s - 2);
  return isWordChar(c) || c === 93 || c === 41;
}

export function scanIpv6(input: ScanInput): void {
  if (!input.want.has('IP_ADDRESS')) return;
  const text = input.text;
  const n = text.length;
  let colon = text.indexOf(':');
  let lastEnd = 0;
  while (colon !== -1) {
    let s = colon;
    while (s > lastEnd && colon - s < 45 && isV6Char(text.charCodeAt(s - 1))) s--;
    let e = colon + 1;
    while (e < n && e - s < 46 && isV6Char(text.charCodeAt(e))) e++;
    lastEnd = e;
    while (e > s && text.charCodeAt(e - 1) === 46) e--;
    const cand = text.slice(s, e);
    const prev = s > 0 ? text.charCodeAt(s - 1) : 0;
    const next = e < n ? text.charCodeAt(e) : 0;
    if (
      cand.length >= 3 &&
      !(prev && isWordChar(prev)) &&
      !(next && (isWordChar(next) || next === 58)) &&
      !indexSyntax(text, s) &&
      enoughHex(cand) &&
      isIPv6(cand)
    ) {
      input.emit('IP_ADDRESS', s, e, cand.length > 6 ? 0.75 : 0.5, 'ipv6');
    }
    colon = text.indexOf(':', Math.max(lastEnd, colon + 1));
  }
}
