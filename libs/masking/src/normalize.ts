/**
 * Detection runs on a normalized copy of the text, with an offset map back to the
 * original so a mask covers the original span, hidden characters included.
 *
 * Per code point: NFKC, diacritics stripped, Unicode format characters (Cf: zero-width,
 * bidi controls, soft hyphen), the other default-ignorable ones (Hangul fillers) and combining
 * marks dropped, every decimal digit (Nd) and circled number mapped to ASCII, space separators (Zs) to ' ', dash
 * punctuation (Pd) to '-', the ideographic full stop to '.', and Cyrillic, Greek, Armenian,
 * Cherokee and Lisu letters that look like Latin ones folded. Case is kept: keys and EIP-55 need it.
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
  // Latin letters of other alphabets and small capitals.
  ɑ: 'a',
  ɩ: 'i',
  ɪ: 'i',
  ʏ: 'y',
  ɣ: 'y',
  ʋ: 'u',
  ᴄ: 'c',
  ᴏ: 'o',
  ᴑ: 'o',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
  ꜱ: 's',
  // Greek, Cyrillic and Armenian letters and symbols beyond the common ones.
  ϲ: 'c',
  Ϲ: 'C',
  ϳ: 'j',
  Ϳ: 'J',
  ϱ: 'p',
  Ϝ: 'F',
  Ϻ: 'M',
  ϒ: 'Y',
  Ӏ: 'I',
  ӏ: 'l',
  ѡ: 'w',
  Ѵ: 'V',
  ѵ: 'v',
  ҽ: 'e',
  ꙇ: 'i',
  Ս: 'U',
  Տ: 'S',
  Օ: 'O',
  գ: 'q',
  զ: 'q',
  ռ: 'n',
  // Cherokee and Lisu: whole alphabets of Latin capitals (Unicode confusables.txt).
  Ꭰ: 'D',
  Ꭱ: 'R',
  Ꭲ: 'T',
  Ꭵ: 'i',
  Ꭹ: 'Y',
  Ꭺ: 'A',
  Ꭻ: 'J',
  Ꭼ: 'E',
  Ꮃ: 'W',
  Ꮇ: 'M',
  Ꮋ: 'H',
  Ꮍ: 'Y',
  Ꮐ: 'G',
  Ꮒ: 'h',
  Ꮓ: 'Z',
  Ꮟ: 'b',
  Ꮢ: 'R',
  Ꮤ: 'W',
  Ꮥ: 'S',
  Ꮩ: 'V',
  Ꮪ: 'S',
  Ꮮ: 'L',
  Ꮯ: 'C',
  Ꮲ: 'P',
  Ꮶ: 'K',
  Ꮷ: 'd',
  Ᏻ: 'G',
  Ᏼ: 'B',
  ꭵ: 'i',
  ꮃ: 'w',
  ꮓ: 'z',
  ꮩ: 'v',
  ꮪ: 's',
  ꮯ: 'c',
  ꓐ: 'B',
  ꓑ: 'P',
  ꓒ: 'd',
  ꓓ: 'D',
  ꓔ: 'T',
  ꓖ: 'G',
  ꓗ: 'K',
  ꓙ: 'J',
  ꓚ: 'C',
  ꓜ: 'Z',
  ꓝ: 'F',
  ꓟ: 'M',
  ꓠ: 'N',
  ꓡ: 'L',
  ꓢ: 'S',
  ꓣ: 'R',
  ꓦ: 'V',
  ꓧ: 'H',
  ꓪ: 'W',
  ꓫ: 'X',
  ꓬ: 'Y',
  ꓮ: 'A',
  ꓰ: 'E',
  ꓲ: 'I',
  ꓳ: 'O',
  ꓴ: 'U',
  // The ideographic full stop (and its halfwidth and vertical forms, which NFKC maps to it) is a
  // dot to IDNA: mail clients and browsers read "jane。doe@example。com" as jane.doe@example.com.
  '\u3002': '.',
};

// Default_Ignorable_Code_Point adds what renders as nothing without being Cf or a mark: the Hangul
// fillers (U+115F, U+1160, U+3164, U+FFA0) and the unassigned code points Unicode reserves as
// invisible (U+2065, U+FFF0..U+FFF8, U+E0080..U+E0FFF), which split a card as well as U+200B.
const CF_RE = /^[\p{Cf}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]$/u;
const ND_RE = /^\p{Nd}$/u;
const ZS_RE = /^\p{Zs}$/u;
const PD_RE = /^\p{Pd}$/u;
const MARKS_RE = /[\p{Mn}\p{Me}]/gu;

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

/**
 * Value of a circled number NFKC leaves alone, or -1: the dingbat ones (❶, ➀, ➊, 🄋), the
 * negative (⓫..⓴, ⓿) and the double circled ones (⓵). NFKC folds "①" to "1" and "⑩" to "10";
 * these read as the same digits, so they fold the same way.
 */
function circledValue(cp: number): number {
  if (cp >= 0x2776 && cp <= 0x2793) return ((cp - 0x2776) % 10) + 1;
  if (cp >= 0x24eb && cp <= 0x24f4) return cp - 0x24eb + 11;
  if (cp >= 0x24f5 && cp <= 0x24fe) return cp - 0x24f5 + 1;
  return cp === 0x24ff || cp === 0x1f10b || cp === 0x1f10c ? 0 : -1;
}

// Unicode tag characters mirror printable ASCII (U+E0020..U+E007E for 0x20..0x7E). They render
// as nothing, but a model reads them as the ASCII they stand for, so a key or a card written in
// them is read as that ASCII; the ones around them (U+E0001, U+E007F) stay dropped.
const TAG_FIRST = 0xe0020;
const TAG_LAST = 0xe007e;
const TAG_OFFSET = 0xe0000;

function foldCodePoint(cp: number): string {
  if (cp >= TAG_FIRST && cp <= TAG_LAST) return String.fromCharCode(cp - TAG_OFFSET);
  const ch = String.fromCodePoint(cp);
  if (CF_RE.test(ch)) return '';
  if (ND_RE.test(ch)) return String.fromCharCode(48 + digitValue(cp));
  const circled = circledValue(cp);
  if (circled >= 0) return String(circled);
  // NEL (U+0085) is a line break and the braille blank shows as a blank: both read as a space,
  // so neither splits a number unseen. normalizeMap drops the other C1 controls (isControl)
  // before they get here; a width asked for one (keep_last) counts it as one character.
  if ((cp >= 0x80 && cp <= 0x9f) || cp === 0x2800) return ' ';
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

/** How many characters the code point stands for once folded: "⑪" and "ﬁ" are two, "½" three. */
export function foldedLength(cp: number): number {
  if (cp < 0x80) return 1;
  const folded = fold(cp);
  let count = 0;
  // Code points, not code units: an emoji is one character.
  for (let k = 0; k < folded.length; k++) if ((folded.charCodeAt(k) & 0xfc00) !== 0xdc00) count++;
  return count;
}

/**
 * The engine's form of the offset map: segments, not one entry per code unit. Segment j starts at
 * normalized unit `segments[3j]` and runs to the next segment's start; `segments[3j + 1]` = a and
 * `segments[3j + 2]` = width:
 * - width 0, a "shifted run": unit k comes from original [k + a, k + a + 1). Plain ASCII and every
 *   one-unit-for-one-unit fold (look-alikes, digits, spaces, dashes) keep the shift, so a text
 *   gets a new segment only where its shift changes (a dropped or expanded character);
 * - width 1 or 2, one folded code point: all its units come from original [a, a + width).
 * Findings are few, so each of their ends is found by binary search.
 */
export interface NormalizedMap {
  readonly text: string;
  /** null when the text is unchanged (fast path). */
  readonly segments: readonly number[] | null;
}

/** Index (a multiple of 3) of the last segment starting at or before normalized unit k. */
function segmentOf(segments: readonly number[], k: number): number {
  let lo = 0;
  let hi = segments.length / 3 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[3 * mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return 3 * lo;
}

export function originalStart(map: NormalizedMap, k: number): number {
  const seg = map.segments;
  if (seg === null) return k;
  const j = segmentOf(seg, k);
  return seg[j + 2] === 0 ? k + seg[j + 1] : seg[j + 1];
}

/** Original end (exclusive) of normalized unit k. */
export function originalEnd(map: NormalizedMap, k: number): number {
  const seg = map.segments;
  if (seg === null) return k + 1;
  const j = segmentOf(seg, k);
  return seg[j + 2] === 0 ? k + seg[j + 1] + 1 : seg[j + 1] + seg[j + 2];
}

// Anything outside printable ASCII, tab, CR and LF is folded; a text without any is returned as is.
// eslint-disable-next-line no-control-regex -- tab, LF and CR are the allowed controls
const SUSPICIOUS_RE = /[^\x09\x0A\x0D\x20-\x7E]/;

// The normalized text is written here and decoded once. Reused for inputs up to this size, since
// allocating a typed array costs more than a 1 KB text takes to fold; larger ones get their own.
const SCRATCH_UNITS = 1 << 16;
let scratch: { units: Uint16Array; bytes: Buffer } | null = null;
// Plain ASCII runs at least this long are copied by Buffer#write instead of unit by unit.
const NATIVE_COPY = 24;
// Plain ASCII after a folded character is read unit by unit for this many units before the
// pattern is asked for the next character to fold: in a dense text most such stretches are a
// few units long ("GB7\u200b9GZ\u200bYQ9"), and a call of the pattern costs as much as reading
// a dozen units.
const SHORT_PLAIN = 8;
// eslint-disable-next-line no-control-regex -- tab, LF and CR are the allowed controls
const SUSPICIOUS_G = /[^\x09\x0A\x0D\x20-\x7E]/g;

// Character references (`&#52;`, `&#x34;`, `&commat;`) as HTML reads them: a value written with
// them in a page, a mail or a JSON string of HTML reaches a model that reads them as the characters.
// Numeric ones with or without ';', as HTML reads them; named ones only for the characters
// addresses, numbers and keys are written with, with ';' but for the legacy `&nbsp` and `&amp`.
const AMP = 38;
const HASH = 35;
const SEMICOLON = 59;
const NAMED_REFERENCES = new Map<string, number>([
  ['nbsp', 0xa0],
  ['amp', 0x26],
  ['commat', 0x40],
  ['period', 0x2e],
  ['hyphen', 0x2010],
  ['dash', 0x2010],
  ['ndash', 0x2013],
  ['minus', 0x2212],
  ['lowbar', 0x5f],
  ['plus', 0x2b],
  ['lpar', 0x28],
  ['rpar', 0x29],
  ['colon', 0x3a],
  ['sol', 0x2f],
  ['num', 0x23],
  ['equals', 0x3d],
]);
const LONGEST_NAME = 6;
// HTML reads any number of leading zeros; beyond this many digits a reference stays literal, so
// reading one costs a bounded look ahead.
const MAX_REFERENCE_DIGITS = 8;
/** A text that may hold a reference this reads; most texts have no '&' and are not tested. */
const REFERENCE_RE = /&(?:#[0-9xX]|[a-z]{3,6};|nbsp|amp)/;
// The characters to fold, and each '&' that may start a reference.
// eslint-disable-next-line no-control-regex -- tab, LF and CR are the allowed controls
const SUSPICIOUS_OR_AMP_G = /[^\x09\x0A\x0D\x20-\x7E]|&(?=[#a-z])/g;

/** Length of the reference referenceAt read last. */
let referenceLength = 0;

/**
 * The code point of the character reference at i (an '&'), or -1 when there is none, it is too
 * long, or it names no character (0, a surrogate, past U+10FFFF): then it stays as written, as an
 * unknown name does, and cannot join what is around it.
 */
function referenceAt(text: string, i: number): number {
  const c1 = text.charCodeAt(i + 1);
  if (c1 === HASH) {
    const hex = (text.charCodeAt(i + 2) | 32) === 120;
    const from = hex ? i + 3 : i + 2;
    let k = from;
    let cp = 0;
    for (; k - from <= MAX_REFERENCE_DIGITS; k++) {
      const c = text.charCodeAt(k);
      const d =
        c >= 48 && c <= 57 ? c - 48 : hex && (c | 32) >= 97 && (c | 32) <= 102 ? (c | 32) - 87 : -1;
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + d;
    }
    if (k === from || k - from > MAX_REFERENCE_DIGITS) return -1;
    if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
    referenceLength = k - i + (text.charCodeAt(k) === SEMICOLON ? 1 : 0);
    return cp;
  }
  let k = i + 1;
  while (k - i <= LONGEST_NAME && text.charCodeAt(k) >= 97 && text.charCodeAt(k) <= 122) k++;
  const name = text.slice(i + 1, k);
  const named = NAMED_REFERENCES.get(name);
  if (named !== undefined && text.charCodeAt(k) === SEMICOLON) {
    referenceLength = k - i + 1;
    return named;
  }
  // HTML's legacy names are read without ';', also before more letters ("&nbspx").
  if (name.startsWith('nbsp')) {
    referenceLength = 5;
    return 0xa0;
  }
  if (name.startsWith('amp')) {
    referenceLength = 4;
    return AMP;
  }
  return -1;
}

/** A decoded reference's character as the normalized text has it. */
function foldReference(cp: number): string {
  if (isControl(cp)) return '';
  return cp >= 0x80 ? fold(cp) : String.fromCharCode(cp);
}

export function normalizeMap(text: string): NormalizedMap {
  const folds = SUSPICIOUS_RE.test(text);
  const references = text.indexOf('&') !== -1 && REFERENCE_RE.test(text);
  if (!folds && !references) return { text, segments: null };
  const find = references ? SUSPICIOUS_OR_AMP_G : SUSPICIOUS_G;
  let decoded = 0;
  const n = text.length;
  let cap = n + 16;
  let out: Uint16Array;
  let bytes: Buffer;
  if (cap <= SCRATCH_UNITS) {
    if (scratch === null) {
      const units = new Uint16Array(SCRATCH_UNITS);
      scratch = { units, bytes: Buffer.from(units.buffer, units.byteOffset, units.byteLength) };
    }
    out = scratch.units;
    bytes = scratch.bytes;
    cap = SCRATCH_UNITS;
  } else {
    out = new Uint16Array(cap);
    bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }
  // The whole text is copied in once: a stretch that keeps its offset (nothing before it dropped
  // or expanded) is then already in place, one that moves back is moved by copyWithin, and a unit
  // is read from the array, which costs less than charCodeAt. Units from o on are still the text's
  // own (growing keeps them); an expansion ("ﬁ" → "fi") takes o past i and writes over units not
  // read yet, so those are read from the string.
  bytes.write(text, 0, 'utf16le');
  const segments: number[] = [0, 0, 0];
  let o = 0;
  let i = 0;
  while (i < n) {
    // Plain ASCII up to the next character to fold: a short stretch read here, a longer one
    // found by the pattern.
    if (o + SHORT_PLAIN > cap) {
      cap = Math.max(cap * 2, o + SHORT_PLAIN + 16);
      const bigger = new Uint16Array(cap);
      bigger.set(out);
      out = bigger;
      bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
    const stop = Math.min(n, i + SHORT_PLAIN);
    while (i < stop) {
      const c = i >= o ? out[i] : text.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f) {
        if (c !== 9 && c !== 10 && c !== 13) break;
      } else if (c === AMP && references) {
        // As SUSPICIOUS_OR_AMP_G: an '&' that may start a reference.
        const d = text.charCodeAt(i + 1);
        if (d === HASH || (d >= 97 && d <= 122)) break;
      }
      out[o++] = c;
      i++;
    }
    if (i === stop && i < n) {
      find.lastIndex = i;
      const next = find.test(text) ? find.lastIndex - 1 : n;
      if (o + (next - i) > cap) {
        // Expansions ("ﬁ" → "fi") can make the output longer than the input.
        cap = Math.max(cap * 2, o + (next - i) + 16);
        const bigger = new Uint16Array(cap);
        bigger.set(out);
        out = bigger;
        bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      }
      if (o < i) out.copyWithin(o, i, next);
      else if (o > i) {
        if (next - i >= NATIVE_COPY) bytes.write(text.slice(i, next), 2 * o, 'utf16le');
        else for (let k = i; k < next; k++) out[o + k - i] = text.charCodeAt(k);
      }
      o += next - i;
      i = next;
    }
    if (references && text.charCodeAt(i) === AMP) {
      const cp = referenceAt(text, i);
      const folded = cp < 0 ? '&' : foldReference(cp);
      if (o + folded.length > cap) {
        cap = Math.max(cap * 2, o + folded.length + 16);
        const bigger = new Uint16Array(cap);
        bigger.set(out);
        out = bigger;
        bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      }
      if (cp < 0) {
        out[o++] = AMP;
        i++;
        continue;
      }
      // Every unit of the character comes from the whole reference.
      decoded++;
      if (folded.length > 0) {
        addSegment(segments, o, i, referenceLength);
        for (let k = 0; k < folded.length; k++) out[o++] = folded.charCodeAt(k);
      }
      i += referenceLength;
      addSegment(segments, o, i - o, 0);
      continue;
    }
    // Then the characters to fold, as long as they follow one another.
    while (i < n) {
      const c = i >= o ? out[i] : text.charCodeAt(i);
      if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) break;
      if (isControl(c)) {
        i = controlsEnd(text, i);
        addSegment(segments, o, i - o, 0);
        continue;
      }
      const cp = c >= 0xd800 && c <= 0xdbff ? (text.codePointAt(i) ?? c) : c;
      const width = cp > 0xffff ? 2 : 1;
      const folded = fold(cp);
      i += width;
      if (cp === BLACK_FLAG) {
        // A subdivision flag's tag letters name a region: dropped, as before tags were read.
        const past = pastFlagTags(text, i);
        if (past !== i) {
          if (o + 2 > cap) {
            cap = Math.max(cap * 2, o + 18);
            const bigger = new Uint16Array(cap);
            bigger.set(out);
            out = bigger;
            bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
          }
          addSegment(segments, o, i - width, width);
          out[o++] = c;
          out[o++] = text.charCodeAt(i - 1);
          i = past;
          addSegment(segments, o, i - o, 0);
          continue;
        }
      }
      if (folded.length === 1 && width === 1) {
        out[o++] = folded.charCodeAt(0);
        continue;
      }
      if (o + folded.length > cap) {
        cap = Math.max(cap * 2, o + folded.length + 16);
        const bigger = new Uint16Array(cap);
        bigger.set(out);
        out = bigger;
        bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      }
      if (folded.length > 0) {
        addSegment(segments, o, i - width, width);
        for (let k = 0; k < folded.length; k++) out[o++] = folded.charCodeAt(k);
      }
      addSegment(segments, o, i - o, 0);
    }
  }
  // '&' that started no reference: the text is as it was.
  if (!folds && decoded === 0) return { text, segments: null };
  return {
    text: bytes.toString('utf16le', 0, o * 2),
    segments,
  };
}

const BLACK_FLAG = 0x1f3f4;

/*
 * Control characters show as nothing, so they are dropped as the format characters are:
 * "4111<NUL> 1111 1111 1111" is the card it shows, where a blank in the NUL's place made a number
 * with two kinds of separators, which no recognizer takes. NEL (U+0085) is a line break and
 * reads as a blank, through fold. A terminal's control sequence (ESC [ … final letter: colours,
 * erasing the line, moving the cursor) is dropped whole, as it shows as nothing either, so
 * "4111\x1b[1m1111\x1b[0m11111111" is the card it shows. Its parameters are short numbers;
 * one that holds a longer run of digits, which a model reads, is not taken for one: then only
 * its ESC is dropped and the digits stay in sight.
 */
function isControl(c: number): boolean {
  return (c < 0x20 && c !== 9 && c !== 10 && c !== 13) || (c >= 0x7f && c <= 0x9f && c !== 0x85);
}

const ESC = 0x1b;
/** Control sequences longer than this are not read as one. */
const CSI_MAX = 32;
/** The longest number a control sequence's parameter holds (a colour component: 255). */
const CSI_NUMBER_MAX = 3;

/** End of the run of controls and terminal control sequences that starts at i. */
function controlsEnd(text: string, i: number): number {
  let k = i;
  for (;;) {
    const c = text.charCodeAt(k);
    if (c === ESC) {
      const end = csiEnd(text, k);
      if (end !== -1) {
        k = end;
        continue;
      }
    }
    if (!isControl(c)) return k;
    k++;
  }
}

/**
 * End of the control sequence whose ESC is at k, or -1: ESC [, parameter bytes 0x30–0x3F with
 * no number longer than CSI_NUMBER_MAX digits, intermediate bytes 0x21–0x2F, one final byte
 * 0x40–0x7E. A blank is not read as an intermediate byte: "ESC[ 4111…" starts no sequence.
 */
function csiEnd(text: string, k: number): number {
  if (text.charCodeAt(k + 1) !== 0x5b) return -1;
  let j = k + 2;
  let digits = 0;
  for (; j - k < CSI_MAX; j++) {
    const c = text.charCodeAt(j);
    if (c < 0x30 || c > 0x3f) break;
    digits = c <= 0x39 ? digits + 1 : 0;
    if (digits > CSI_NUMBER_MAX) return -1;
  }
  while (j - k < CSI_MAX && text.charCodeAt(j) >= 0x21 && text.charCodeAt(j) <= 0x2f) j++;
  const last = text.charCodeAt(j);
  return last >= 0x40 && last <= 0x7e ? j + 1 : -1;
}
const CANCEL_TAG = 0xe007f;

/**
 * Past the tag characters of a subdivision flag after 🏴 at i (🏴 + "gbeng" in tag letters +
 * CANCEL TAG: a region's two letters and one to three letters or digits), or i when none follow.
 * Read as ASCII they would glue "gbeng" to the word after the flag.
 */
function pastFlagTags(text: string, i: number): number {
  let k = i;
  for (let count = 0; count <= 6; count++) {
    const cp = text.codePointAt(k) ?? 0;
    if (cp === CANCEL_TAG) return count >= 3 ? k + 2 : i;
    const letter = cp >= 0xe0061 && cp <= 0xe007a;
    if (!letter && (count < 2 || cp < 0xe0030 || cp > 0xe0039)) return i;
    k += 2;
  }
  return i;
}

/** Appends a segment; one that starts where the last one starts replaces it (that one is empty). */
function addSegment(segments: number[], start: number, a: number, width: number): void {
  const last = segments.length - 3;
  if (segments[last] === start) {
    segments[last + 1] = a;
    segments[last + 2] = width;
  } else segments.push(start, a, width);
}

/** Normalized text with explicit per-unit original offsets (for debugging and tests). */
export function normalize(text: string): NormalizedText {
  const map = normalizeMap(text);
  if (map.segments === null) return { text, starts: null, ends: null };
  const len = map.text.length;
  const starts = new Int32Array(len);
  const ends = new Int32Array(len);
  for (let k = 0; k < len; k++) {
    starts[k] = originalStart(map, k);
    ends[k] = originalEnd(map, k);
  }
  return { text: map.text, starts, ends };
}

/** Maps a normalized span [s, e) to the original text. */
export function toOriginal(norm: NormalizedText, s: number, e: number): [number, number] {
  if (norm.starts === null || norm.ends === null) return [s, e];
  return [norm.starts[s], norm.ends[e - 1]];
}
