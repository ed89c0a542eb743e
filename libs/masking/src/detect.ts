import type { CountryCode } from 'libphonenumber-js/max';
import {
  AFTER_WINDOW,
  BEFORE_WINDOW,
  CONTEXT_BOOST,
  CONTEXT_WORDS,
  DEFAULT_CONTEXT_BOOST,
  NEGATIVE_PENALTY,
  NEGATIVE_TYPES,
  NEGATIVE_WINDOW,
  NEGATIVE_WORDS,
  anyWord,
  anyWordIn,
  sentenceEnds,
  sentenceStart,
  sentenceStop,
} from './context';
import { denyHits } from './deny-list';
import { ENTITY_TYPES, type EntityType } from './entities';
import {
  columnName,
  mayHaveNameColumn,
  scanNameColumns,
  type TableHeader,
  tableHeaders,
} from './columns';
import { type NormalizedMap, normalizeMap, originalEnd, originalStart } from './normalize';
import { scanEmails, scanUrls } from './recognizers/email-url';
import { scanIpv6, scanMacs } from './recognizers/patterns';
import { scanPhones } from './recognizers/phone';
import { scanCredentialValues, scanSecrets } from './recognizers/secrets';
import type { ScanInput } from './recognizers/types';
import { scanRuns } from './recognizers/words';

/** A detected entity. Offsets are UTF-16 code units in the ORIGINAL text, end exclusive. */
export interface Finding {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
  /** 0..1 after context adjustment. */
  readonly score: number;
  /** Which check accepted it, e.g. "luhn+issuer", "iban-mod97+length", "deny-list". */
  readonly validator: string;
}

export interface DetectOptions {
  /** Only run recognizers for these types (default: all). */
  readonly entities?: readonly EntityType[];
  /** Minimum score per type; types not listed use `minScore`. */
  readonly thresholds?: Partial<Record<EntityType, number>>;
  /** Default minimum score (0.5). */
  readonly minScore?: number;
  /**
   * Values never reported (compared case-insensitively, also with spaces and dashes removed).
   * Read once per array: a list is not changed after it is first passed.
   */
  readonly allowList?: readonly string[];
  /** Values always reported as the given type (case-insensitive, whole words), score 1. */
  readonly denyList?: Partial<Record<EntityType, readonly string[]>>;
  /** Regions tried for phone numbers written without a country code (default US, GB, DE, FR, IN, AU, CA, BR, ES, IT, SG). */
  readonly phoneRegions?: readonly CountryCode[];
}

export const DEFAULT_MIN_SCORE = 0.5;
export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'IN',
  'AU',
  'CA',
  'BR',
  'ES',
  'IT',
  'SG',
];
const ALL_TYPES: ReadonlySet<EntityType> = new Set(ENTITY_TYPES);
const TYPE_BIT = new Map<EntityType, number>(ENTITY_TYPES.map((t, k) => [t, k]));

/** The recognizers to run; a list of every type (a policy masking everything) shares ALL_TYPES. */
function wantedTypes(entities: readonly EntityType[] | undefined): ReadonlySet<EntityType> {
  if (entities === undefined) return ALL_TYPES;
  if (entities.length === ENTITY_TYPES.length) {
    // The usual full list is ENTITY_TYPES itself or its keys in the same order.
    let k = 0;
    while (k < entities.length && entities[k] === ENTITY_TYPES[k]) k++;
    if (k === entities.length) return ALL_TYPES;
  }
  if (entities.length >= ENTITY_TYPES.length) {
    // Which types the list names, as bits (two words: there are more than 32 types).
    let low = 0;
    let high = 0;
    for (const t of entities) {
      const bit = TYPE_BIT.get(t);
      if (bit === undefined) break;
      if (bit < 32) low |= 1 << bit;
      else high |= 1 << (bit - 32);
    }
    const all = ENTITY_TYPES.length;
    if (
      low === (all >= 32 ? -1 : (1 << all) - 1) &&
      high === (all > 32 ? (1 << (all - 32)) - 1 : 0)
    )
      return ALL_TYPES;
  }
  return new Set(entities);
}

interface Candidate {
  type: EntityType;
  s: number;
  e: number;
  score: number;
  validator: string;
  check: ((start: number, end: number) => boolean) | undefined;
}

export interface DetectResult {
  readonly norm: NormalizedMap;
  readonly findings: Finding[];
  /**
   * Normalized span of findings[k]: [normSpans[2k], normSpans[2k + 1]). Strategies use it as the
   * canonical value. Kept beside the findings, so they are built once in their public shape.
   */
  readonly normSpans: number[];
  /**
   * Indexes of the findings that hold a deny-list term inside them (null when none does): a
   * strategy that shows part of a value (keep_last) shows none of these.
   */
  readonly holdsDenied: ReadonlySet<number> | null;
}

/**
 * Runs every recognizer. The order is the order candidates are reported in, which breaks ties in
 * the overlap resolution (same score, length and start): digit runs, then phones, MAC and IPv6
 * addresses, then the word shapes (IBAN, SWIFT, crypto, letter IDs, dates, names) in the order
 * their separate passes used to report them. scanRuns reads digit runs and word shapes in one
 * pass and reports the word shapes in their turn.
 */
function scanAll(input: ScanInput): void {
  scanSecrets(input);
  scanCredentialValues(input);
  scanEmails(input);
  scanUrls(input);
  const reportWordShapes = scanRuns(input);
  scanPhones(input);
  scanMacs(input);
  scanIpv6(input);
  reportWordShapes();
}

/** Per type: its context words and boost, and whether order/version words lower it. */
const TYPE_CONTEXT = new Map<
  EntityType,
  {
    readonly words: readonly string[] | undefined;
    readonly boost: number;
    readonly negative: boolean;
  }
>();
for (const type of ENTITY_TYPES) {
  const words = CONTEXT_WORDS[type];
  const negative = NEGATIVE_TYPES.has(type);
  if (words !== undefined || negative)
    TYPE_CONTEXT.set(type, {
      words,
      boost: CONTEXT_BOOST[type] ?? DEFAULT_CONTEXT_BOOST,
      negative,
    });
}

// Which normalized units a chosen finding already covers. Texts up to this size share one array
// (cleared after use): allocating a zeroed typed array costs more than a 1 KB text's overlap pass.
const TAKEN_SCRATCH_SIZE = 1 << 16;
let takenScratch: Uint8Array | null = null;

// Spans longer than this (keys, PEM blocks, URLs) are tested and marked with one native call.
const LONG_SPAN = 48;

function isFree(taken: Uint8Array, s: number, e: number): boolean {
  if (e - s > LONG_SPAN) return taken.subarray(s, e).indexOf(1) === -1;
  for (let k = s; k < e; k++) if (taken[k] !== 0) return false;
  return true;
}

function mark(taken: Uint8Array, s: number, e: number, value: number): void {
  if (e - s > LONG_SPAN) taken.fill(value, s, e);
  else for (let k = s; k < e; k++) taken[k] = value;
}

/** Overlap order: higher score first, then longer span, then earlier start. */
function comparePriority(a: Candidate, b: Candidate): number {
  return b.score - a.score || b.e - b.s - (a.e - a.s) || a.s - b.s;
}

// Array#sort calls its comparator from the engine's sort, which costs more per comparison than
// the comparison itself; a short text has a few dozen candidates, few enough for an insertion
// sort with the comparison inline. Both sorts are stable: ties keep the order of reporting.
const INSERTION_SORT_MAX = 64;

function sortByPriority(list: Candidate[]): void {
  if (list.length > INSERTION_SORT_MAX) {
    list.sort(comparePriority);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const c = list[i];
    let j = i - 1;
    while (j >= 0 && comparePriority(list[j], c) > 0) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = c;
  }
}

/** The chosen candidates by start (they do not overlap, so starts differ). */
function sortByStart(list: Candidate[]): void {
  if (list.length > INSERTION_SORT_MAX) {
    list.sort((a, b) => a.s - b.s);
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const c = list[i];
    let j = i - 1;
    while (j >= 0 && list[j].s > c.s) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = c;
  }
}

function canonicalAllow(s: string): string {
  return s.toLowerCase().replace(/[\s-]/g, '');
}

const NO_ALLOW: ReadonlySet<string> = new Set();
const allowSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * An allow list's values as compared, built once per list rather than once a text: a policy's
 * list (up to 10 000 values) is shared by every text of every request, and building it for
 * each of 2048 small texts blocked the ingress for seconds on a 2 KiB request.
 */
function allowSet(list: readonly string[] | undefined): ReadonlySet<string> {
  if (list === undefined || list.length === 0) return NO_ALLOW;
  let set = allowSets.get(list);
  if (set === undefined) {
    const values = new Set<string>();
    for (const a of list) {
      values.add(a.trim().toLowerCase());
      values.add(canonicalAllow(a.trim()));
    }
    allowSets.set(list, values);
    set = values;
  }
  return set;
}

export function detectInternal(text: string, options: DetectOptions = {}): DetectResult {
  const norm = normalizeMap(text);
  const nt = norm.text;
  const want = wantedTypes(options.entities);
  const candidates: Candidate[] = [];
  const input: ScanInput = {
    text: nt,
    want,
    phoneRegions: options.phoneRegions ?? DEFAULT_PHONE_REGIONS,
    emit: (type, s, e, score, validator, check) => {
      if (e > s) candidates.push({ type, s, e, score, validator, check });
    },
  };
  scanAll(input);
  // Tables: read before any value needs a column only when one may have a name column.
  let headers: TableHeader[] | null = null;
  if (want.has('PERSON') && mayHaveNameColumn(nt))
    scanNameColumns(input, (headers = tableHeaders(nt)));

  // Context: raise near a type's words, lower numbers that read as an order/version/ISBN.
  // One lower-cased copy per text; windows are searched in place (before: 48 chars, after: 24),
  // and end where the candidate's sentence does.
  // A candidate below its threshold whatever its context says is dropped below, so its windows
  // are not searched: not at all when even the boost leaves it short, and not for order/version
  // words when it is short without the boost (they only lower it).
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  let lower: string | null = null;
  let ends: number[] = [];
  // A value in a table: its column's header names it ("email,phone,dob,ssn"), not its sentence.
  // Read once per candidate, and only for one no word in its sentence has decided.
  let columnAt = -1;
  let column: string | undefined;
  const columnOf = (at: number): string | undefined => {
    if (at !== columnAt) {
      columnAt = at;
      column = columnName(nt, (headers ??= tableHeaders(nt)), at);
    }
    return column;
  };
  for (const c of candidates) {
    const ctx = TYPE_CONTEXT.get(c.type);
    if (ctx === undefined) continue;
    const boost = ctx.words !== undefined && c.score < 1;
    const threshold = options.thresholds?.[c.type] ?? minScore;
    const boosted = boost ? Math.min(1, c.score + ctx.boost) : c.score;
    if (boosted < threshold) continue;
    const negative = ctx.negative && !(c.score < threshold);
    if (!boost && !negative) continue;
    if (lower === null) {
      lower = nt.toLowerCase();
      // toLowerCase keeps the length for normalized text in practice; if not, windows are cut and lower-cased one by one.
      if (lower.length !== nt.length) lower = '';
      ends = sentenceEnds(nt);
    }
    const from = sentenceStart(ends, c.s);
    let positive = false;
    if (boost && ctx.words !== undefined) {
      const lo = Math.max(from, c.s - BEFORE_WINDOW);
      const hi = Math.min(sentenceStop(ends, c.e), c.e + AFTER_WINDOW, nt.length);
      const hit =
        lower.length > 0
          ? anyWordIn(lower, lo, c.s, ctx.words) || anyWordIn(lower, c.e, hi, ctx.words)
          : anyWord(
              nt.slice(lo, c.s).toLowerCase() + ' | ' + nt.slice(c.e, hi).toLowerCase(),
              ctx.words,
            );
      // The column is read only for a value that would be dropped without it.
      if (hit || (c.score < threshold && anyWordOf(columnOf(c.s), ctx.words))) {
        positive = true;
        c.score = boosted;
      }
    }
    if (!positive && negative) {
      const lo = Math.max(from, c.s - NEGATIVE_WINDOW);
      const hit =
        lower.length > 0
          ? anyWordIn(lower, lo, c.s, NEGATIVE_WORDS)
          : anyWord(nt.slice(lo, c.s).toLowerCase(), NEGATIVE_WORDS);
      if (hit) c.score = Math.max(0, c.score - NEGATIVE_PENALTY);
    }
  }

  if (options.denyList !== undefined) addDenyList(nt, options.denyList, candidates);

  const allow = allowSet(options.allowList);
  const kept = candidates.filter((c) => {
    if (c.validator !== 'deny-list') {
      if (c.score < (options.thresholds?.[c.type] ?? minScore)) return false;
      if (!want.has(c.type)) return false;
    }
    if (allow.size > 0) {
      const v = nt.slice(c.s, c.e);
      if (allow.has(v.toLowerCase()) || allow.has(canonicalAllow(v))) return false;
      if (
        norm.segments !== null &&
        allow.has(text.slice(originalStart(norm, c.s), originalEnd(norm, c.e - 1)).toLowerCase())
      )
        return false;
    }
    return true;
  });

  // A deny-list term inside a longer finding ("falcon" in falcon@acme.com) is masked as part of
  // that finding: with its score of 1 it would win the overlap and leave the rest in clear.
  // It is taken on its own afterwards only where no chosen finding covers it.
  const inside = options.denyList !== undefined ? denyHitsInside(kept) : null;
  // Overlaps: in comparePriority's order, never overlap.
  sortByPriority(kept);
  const chosen: Candidate[] = [];
  if (kept.length > 0) {
    const taken =
      nt.length <= TAKEN_SCRATCH_SIZE
        ? (takenScratch ??= new Uint8Array(TAKEN_SCRATCH_SIZE))
        : new Uint8Array(nt.length);
    try {
      for (const c of kept) {
        if (inside?.has(c) === true) continue;
        if (!isFree(taken, c.s, c.e) || (c.check !== undefined && !c.check(c.s, c.e))) continue;
        mark(taken, c.s, c.e, 1);
        chosen.push(c);
      }
      if (inside !== null)
        for (const c of inside) {
          if (!isFree(taken, c.s, c.e)) continue;
          mark(taken, c.s, c.e, 1);
          chosen.push(c);
        }
    } finally {
      if (taken === takenScratch) for (const c of chosen) mark(taken, c.s, c.e, 0);
    }
  }
  sortByStart(chosen);
  const findings: Finding[] = new Array<Finding>(chosen.length);
  const normSpans: number[] = new Array<number>(2 * chosen.length);
  for (let k = 0; k < chosen.length; k++) {
    const c = chosen[k];
    findings[k] = {
      type: c.type,
      start: originalStart(norm, c.s),
      end: pastMarks(text, originalEnd(norm, c.e - 1)),
      score: Math.round(c.score * 100) / 100,
      validator: c.validator,
    };
    normSpans[2 * k] = c.s;
    normSpans[2 * k + 1] = c.e;
  }
  // Every finding that holds part of a term not taken on its own: the term yielded to it, or to
  // one that then lost to a finding overlapping the term.
  let holdsDenied: Set<number> | null = null;
  if (inside !== null)
    for (const d of inside)
      if (!chosen.includes(d))
        for (let k = 0; k < chosen.length; k++)
          if (chosen[k].s < d.e && d.s < chosen[k].e) (holdsDenied ??= new Set()).add(k);
  return { norm, findings, normSpans, holdsDenied };
}

/** The deny-list candidates that lie inside a longer candidate of another recognizer. */
function denyHitsInside(kept: readonly Candidate[]): Set<Candidate> | null {
  let inside: Set<Candidate> | null = null;
  for (const d of kept) {
    if (d.validator !== 'deny-list') continue;
    for (const c of kept)
      if (c.validator !== 'deny-list' && c.s <= d.s && d.e <= c.e && c.e - c.s > d.e - d.s) {
        (inside ??= new Set()).add(d);
        break;
      }
  }
  return inside;
}

function anyWordOf(name: string | undefined, words: readonly string[]): boolean {
  return name !== undefined && anyWord(name, words);
}

/**
 * The deny list's hits as candidates, overlapping hits of a type joined into one: a term that
 * overlaps itself ("a-a" in "a-a-a") or nested terms cover their union, where choosing among
 * overlapping candidates kept one and left the rest of the others in clear.
 */
function addDenyList(
  nt: string,
  denyList: Partial<Record<EntityType, readonly string[]>>,
  out: Candidate[],
): void {
  const hits = denyHits(denyList, nt.toLowerCase());
  if (hits.length === 0) return;
  hits.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : a.start - b.start));
  let { type, start, end } = hits[0];
  const flush = (): void => {
    out.push({ type, s: start, e: end, score: 1, validator: 'deny-list', check: undefined });
  };
  for (let k = 1; k < hits.length; k++) {
    const h = hits[k];
    if (h.type === type && h.start < end) {
      end = Math.max(end, h.end);
      continue;
    }
    flush();
    ({ type, start, end } = h);
  }
  flush();
}

export function detect(text: string, options?: DetectOptions): Finding[] {
  return detectInternal(text, options).findings;
}

/**
 * Entity type → number of findings over all `texts`, with the default options: what policy
 * rules read as `findings`, the same wherever detection runs (ingress or worker pool).
 */
export function countFindings(texts: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of texts) for (const f of detect(t)) counts[f.type] = (counts[f.type] ?? 0) + 1;
  return counts;
}

const MARK_RE = /^\p{M}/u;

/**
 * The end of a finding moved past the combining marks written on its last character (an
 * accent, a variation selector), so masking leaves none hanging on what replaces it.
 */
function pastMarks(text: string, end: number): number {
  let e = end;
  while (e < text.length && text.charCodeAt(e) >= 0x300 && MARK_RE.test(text.slice(e, e + 2)))
    e += text.codePointAt(e)! > 0xffff ? 2 : 1;
  return e;
}
