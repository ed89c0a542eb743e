/**
 * Detection runs on a normalized copy of the text, with an offset map back to the
 * original so a mask covers the original span, hidden characters included.
 *
 * Per code point: NFKC, diacritics stripped, Unicode format characters (Cf: zero-width,
 * bidi controls, soft hyphen) and combining marks dropped, every decimal digit (Nd) mapped
 * to ASCII, space separators (Zs) to ' ', dash punctuation (Pd) to '-', and Cyrillic/Greek
 * letters that look like Latin ones folded. Case is kept: keys and EIP-55 need it.
 */
export interface NormalizedText {
  readonly text: string;
  /** Original offset where normalized code unit i starts; null when text is unchanged (fast path). */
  readonly starts: Int32Array | null;
  /** Original offset where normalized code unit i ends (exclusive). */
  readonly ends: Int32Array | null;
}

// Look-alikes of the Latin letters that matter in e-mails, keys and IDs.
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g', ı: 'i', ʟ: 'l', ɴ: 'n',
  А: 'A', В: 'B', Е: 'E', Ё: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  Ѕ: 'S', І: 'I', Ї: 'I', Ј: 'J', Һ: 'H', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W', Ү: 'Y', ү: 'y', Ԍ: 'G', ԍ: 'g',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w',
  օ: 'o', ս: 'u', ց: 'g', ո: 'n', հ: 'h',
};

const CF_RE = /^[\p{Cf}\p{Mn}\p{Me}]$/u;
const ND_RE = /^\p{Nd}$/u;
const ZS_RE = /^\p{Zs}$/u;
const PD_RE = /^\p{Pd}$/u;
const MARKS_RE = /[\p{Mn}\p{Me}]/gu;
/** Anything outside printable ASCII, tab, CR and LF sends the text down the slow path. */
const SUSPICIOUS_RE = /[^\x09\x0A\x0D\x20-\x7E]/;

const cache = new Map<number, string>();
const CACHE_LIMIT = 1 << 16;

/** Value of a Unicode decimal digit: Nd code points come in aligned runs of ten starting at zero. */
function digitValue(cp: number): number {
  let lo = cp;
  while (lo > 0 && ND_RE.test(String.fromCodePoint(lo - 1))) lo--;
  return (cp - lo) % 10;
}

function foldCodePoint(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (CF_RE.test(ch)) return '';
  if (ND_RE.test(ch)) return String.fromCharCode(48 + digitValue(cp));
  if (ZS_RE.test(ch)) return ' ';
  if (PD_RE.test(ch) || cp === 0x2212) return '-';
  const direct = CONFUSABLES[ch];
  if (direct !== undefined) return direct;
  const nfkc = ch.normalize('NFKC');
  let out = '';
  for (const c of nfkc.normalize('NFD').replace(MARKS_RE, '')) {
    const code = c.codePointAt(0) ?? 0;
    if (code < 128) out += c;
    else if (ND_RE.test(c)) out += String.fromCharCode(48 + digitValue(code));
    else if (ZS_RE.test(c)) out += ' ';
    else out += CONFUSABLES[c] ?? c;
  }
  return out;
}

function fold(cp: number): string {
  let v = cache.get(cp);
  if (v === undefined) {
    v = foldCodePoint(cp);
    if (cache.size < CACHE_LIMIT) cache.set(cp, v);
  }
  return v;
}

export function normalize(text: string): NormalizedText {
  if (!SUSPICIOUS_RE.test(text)) return { text, starts: null, ends: null };
  const n = text.length;
  let cap = n + 16;
  let starts: Int32Array = new Int32Array(cap);
  let ends: Int32Array = new Int32Array(cap);
  const parts: string[] = [];
  let outLen = 0;
  let i = 0;
  while (i < n) {
    // Copy a run of plain ASCII in one slice.
    let j = i;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c >= 0x80 || (c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) break;
      j++;
    }
    if (j > i) {
      if (outLen + (j - i) > cap) {
        cap = Math.max(cap * 2, outLen + (j - i) + 16);
        starts = grow(starts, cap);
        ends = grow(ends, cap);
      }
      for (let k = i; k < j; k++) {
        starts[outLen] = k;
        ends[outLen] = k + 1;
        outLen++;
      }
      parts.push(text.slice(i, j));
      i = j;
      if (i >= n) break;
    }
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const c = text.charCodeAt(i);
    const folded = c < 0x20 || c === 0x7f ? ' ' : fold(cp);
    if (folded.length > 0) {
      if (outLen + folded.length > cap) {
        cap = Math.max(cap * 2, outLen + folded.length + 16);
        starts = grow(starts, cap);
        ends = grow(ends, cap);
      }
      for (let k = 0; k < folded.length; k++) {
        starts[outLen] = i;
        ends[outLen] = i + width;
        outLen++;
      }
      parts.push(folded);
    }
    i += width;
  }
  return { text: parts.join(''), starts: starts.subarray(0, outLen), ends: ends.subarray(0, outLen) };
}

function grow(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** Maps a normalized span [s, e) to the original text. */
export function toOriginal(norm: NormalizedText, s: number, e: number): [number, number] {
  if (norm.starts === null || norm.ends === null) return [s, e];
  return [norm.starts[s], norm.ends[e - 1]];
}
