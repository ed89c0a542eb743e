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
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ı: 'i',
  ʟ: 'l',
  ɴ: 'n',
  А: 'A',
  В: 'B',
  Е: 'E',
  Ё: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  Ѕ: 'S',
  І: 'I',
  Ї: 'I',
  Ј: 'J',
  Һ: 'H',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ԝ: 'W',
  Ү: 'Y',
  ү: 'y',
  Ԍ: 'G',
  ԍ: 'g',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
  օ: 'o',
  ս: 'u',
  ց: 'g',
  ո: 'n',
  հ: 'h',
};

const CF_RE = /^[\p{Cf}\p{Mn}\p{Me}]$/u;
const ND_RE = /^\p{Nd}$/u;
const ZS_RE = /^\p{Zs}$/u;
const PD_RE = /^\p{Pd}$/u;
const MARKS_RE = /[\p{Mn}\p{Me}]/gu;
/** Anything outside printable ASCII, tab, CR and LF sends the text down the slow path. */
// eslint-disable-next-line no-control-regex -- tab, LF and CR are the allowed controls
const SUSPICIOUS_RE = /[^\x09\x0A\x0D\x20-\x7E]/;

// Folded form per code point, computed once: a flat table for the BMP, a map above it.
const bmp: (string | undefined)[] = new Array<string | undefined>(0x10000);
const astral = new Map<number, string>();
const ASTRAL_LIMIT = 1 << 16;

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
  if (cp < 0x10000) {
    let v = bmp[cp];
    if (v === undefined) {
      v = foldCodePoint(cp);
      bmp[cp] = v;
    }
    return v;
  }
  let v = astral.get(cp);
  if (v === undefined) {
    v = foldCodePoint(cp);
    if (astral.size < ASTRAL_LIMIT) astral.set(cp, v);
  }
  return v;
}

/**
 * The engine's form of the offset map: normalized unit k comes from original [k + startDelta[k],
 * k + endDelta[k]). Deltas are constant along a run of plain ASCII; the text itself is built in a
 * Uint16Array and decoded once, with no per-run slices or joins.
 */
export interface NormalizedMap {
  readonly text: string;
  /** null when the text is unchanged (fast path). */
  readonly startDelta: Int32Array | null;
  readonly endDelta: Int32Array | null;
}

export function originalStart(map: NormalizedMap, k: number): number {
  return map.startDelta === null ? k : k + map.startDelta[k];
}

/** Original end (exclusive) of normalized unit k. */
export function originalEnd(map: NormalizedMap, k: number): number {
  return map.endDelta === null ? k + 1 : k + map.endDelta[k];
}

const decoder = new TextDecoder('utf-16le');

export function normalizeMap(text: string): NormalizedMap {
  if (!SUSPICIOUS_RE.test(text)) return { text, startDelta: null, endDelta: null };
  const n = text.length;
  let cap = n + 16;
  let out: Uint16Array = new Uint16Array(cap);
  let sd: Int32Array = new Int32Array(cap);
  let ed: Int32Array = new Int32Array(cap);
  let o = 0;
  let i = 0;
  while (i < n) {
    // A run of plain ASCII: the offset delta is constant along it.
    const runStart = i;
    const oStart = o;
    // An ASCII run is at most the rest of the input: make room once, then a tight copy loop.
    if (o + (n - i) > cap) {
      cap = Math.max(cap * 2, o + (n - i) + 16);
      out = grow16(out, cap);
      sd = grow(sd, cap);
      ed = grow(ed, cap);
    }
    const delta = runStart - oStart;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 0x80 || (c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) break;
      out[o] = c;
      sd[o] = delta;
      ed[o] = delta + 1;
      o++;
      i++;
    }
    if (i >= n) break;
    const c = text.charCodeAt(i);
    const cp = c >= 0xd800 && c <= 0xdbff ? (text.codePointAt(i) ?? c) : c;
    const width = cp > 0xffff ? 2 : 1;
    const folded = c < 0x20 || c === 0x7f ? ' ' : fold(cp);
    if (o + folded.length > cap) {
      cap = Math.max(cap * 2, o + folded.length + 16);
      out = grow16(out, cap);
      sd = grow(sd, cap);
      ed = grow(ed, cap);
    }
    for (let k = 0; k < folded.length; k++) {
      out[o] = folded.charCodeAt(k);
      sd[o] = i - o;
      ed[o] = i + width - o;
      o++;
    }
    i += width;
  }
  return {
    text: decoder.decode(out.subarray(0, o)),
    startDelta: sd.subarray(0, o),
    endDelta: ed.subarray(0, o),
  };
}

function grow16(a: Uint16Array, cap: number): Uint16Array {
  const b = new Uint16Array(cap);
  b.set(a);
  return b;
}

/** Normalized text with explicit per-unit original offsets (for debugging and tests). */
export function normalize(text: string): NormalizedText {
  const map = normalizeMap(text);
  if (map.startDelta === null || map.endDelta === null) return { text, starts: null, ends: null };
  const len = map.text.length;
  const starts = new Int32Array(len);
  const ends = new Int32Array(len);
  for (let k = 0; k < len; k++) {
    starts[k] = k + map.startDelta[k];
    ends[k] = k + map.endDelta[k];
  }
  return { text: map.text, starts, ends };
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
