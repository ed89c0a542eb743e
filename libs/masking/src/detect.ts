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
} from './context';
import { ENTITY_TYPES, type EntityType } from './entities';
import { type NormalizedMap, normalizeMap, originalEnd, originalStart } from './normalize';
import { scanEmails, scanUrls } from './recognizers/email-url';
import { scanDigitRuns } from './recognizers/numeric';
import {
  scanCrypto,
  scanIbans,
  scanIpv6,
  scanLetterIds,
  scanMacs,
  scanPersons,
  scanSwift,
  scanTextDates,
} from './recognizers/patterns';
import { scanPhones } from './recognizers/phone';
import { scanCredentialValues, scanSecrets } from './recognizers/secrets';
import type { ScanInput } from './recognizers/types';

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
  /** Values never reported (compared case-insensitively, also with spaces and dashes removed). */
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

interface Candidate {
  type: EntityType;
  s: number;
  e: number;
  score: number;
  validator: string;
  check: (() => boolean) | undefined;
}

/** A finding plus its normalized span, which strategies use as the canonical value. */
export interface InternalFinding extends Finding {
  readonly normStart: number;
  readonly normEnd: number;
}

export interface DetectResult {
  readonly norm: NormalizedMap;
  readonly findings: InternalFinding[];
}

const SCANNERS: readonly ((input: ScanInput) => void)[] = [
  scanSecrets,
  scanCredentialValues,
  scanEmails,
  scanUrls,
  scanDigitRuns,
  scanPhones,
  scanIbans,
  scanSwift,
  scanMacs,
  scanIpv6,
  scanCrypto,
  scanLetterIds,
  scanTextDates,
  scanPersons,
];

function canonicalAllow(s: string): string {
  return s.toLowerCase().replace(/[\s-]/g, '');
}

export function detectInternal(text: string, options: DetectOptions = {}): DetectResult {
  const norm = normalizeMap(text);
  const nt = norm.text;
  const want = options.entities === undefined ? ALL_TYPES : new Set(options.entities);
  const candidates: Candidate[] = [];
  const input: ScanInput = {
    text: nt,
    want,
    phoneRegions: options.phoneRegions ?? DEFAULT_PHONE_REGIONS,
    emit: (type, s, e, score, validator, check) => {
      if (e > s) candidates.push({ type, s, e, score, validator, check });
    },
  };
  for (const scan of SCANNERS) scan(input);

  // Context: raise near a type's words, lower numbers that read as an order/version/ISBN.
  // One lower-cased copy per text; windows are searched in place (before: 48 chars, after: 24).
  let lower: string | null = null;
  for (const c of candidates) {
    const words = CONTEXT_WORDS[c.type];
    const boost = words !== undefined && c.score < 1;
    const negative = NEGATIVE_TYPES.has(c.type);
    if (!boost && !negative) continue;
    if (lower === null) {
      lower = nt.toLowerCase();
      // toLowerCase keeps the length for normalized text in practice; if not, windows are cut and lower-cased one by one.
      if (lower.length !== nt.length) lower = '';
    }
    let positive = false;
    if (boost && (lower.length > 0 ? inWindow(lower, c, words) : anyWord(window(nt, c), words))) {
      positive = true;
      c.score = Math.min(1, c.score + (CONTEXT_BOOST[c.type] ?? DEFAULT_CONTEXT_BOOST));
    }
    if (!positive && negative) {
      const lo = Math.max(0, c.s - NEGATIVE_WINDOW);
      const hit =
        lower.length > 0
          ? anyWordIn(lower, lo, c.s, NEGATIVE_WORDS)
          : anyWord(nt.slice(lo, c.s).toLowerCase(), NEGATIVE_WORDS);
      if (hit) c.score = Math.max(0, c.score - NEGATIVE_PENALTY);
    }
  }

  if (options.denyList !== undefined) addDenyList(nt, options.denyList, candidates);

  const allow = new Set<string>();
  for (const a of options.allowList ?? []) {
    allow.add(a.trim().toLowerCase());
    allow.add(canonicalAllow(a.trim()));
  }
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  const kept = candidates.filter((c) => {
    if (c.validator !== 'deny-list') {
      if (c.score < (options.thresholds?.[c.type] ?? minScore)) return false;
      if (!want.has(c.type)) return false;
    }
    if (allow.size > 0) {
      const v = nt.slice(c.s, c.e);
      if (allow.has(v.toLowerCase()) || allow.has(canonicalAllow(v))) return false;
      if (
        norm.startDelta !== null &&
        allow.has(text.slice(originalStart(norm, c.s), originalEnd(norm, c.e - 1)).toLowerCase())
      )
        return false;
    }
    return true;
  });

  // Overlaps: higher score first, then longer span, then earlier start; never overlap.
  kept.sort((a, b) => b.score - a.score || b.e - b.s - (a.e - a.s) || a.s - b.s);
  const chosen: Candidate[] = [];
  if (kept.length > 0) {
    const taken = new Uint8Array(nt.length);
    for (const c of kept) {
      let free = true;
      for (let k = c.s; k < c.e; k++) {
        if (taken[k] !== 0) {
          free = false;
          break;
        }
      }
      if (!free || (c.check !== undefined && !c.check())) continue;
      taken.fill(1, c.s, c.e);
      chosen.push(c);
    }
  }
  chosen.sort((a, b) => a.s - b.s);
  const findings = chosen.map((c): InternalFinding => {
    const start = originalStart(norm, c.s);
    const end = originalEnd(norm, c.e - 1);
    return {
      type: c.type,
      start,
      end,
      score: Math.round(c.score * 100) / 100,
      validator: c.validator,
      normStart: c.s,
      normEnd: c.e,
    };
  });
  return { norm, findings };
}

function inWindow(lower: string, c: Candidate, words: readonly string[]): boolean {
  return (
    anyWordIn(lower, Math.max(0, c.s - BEFORE_WINDOW), c.s, words) ||
    anyWordIn(lower, c.e, Math.min(lower.length, c.e + AFTER_WINDOW), words)
  );
}

function window(nt: string, c: Candidate): string {
  return (
    nt.slice(Math.max(0, c.s - BEFORE_WINDOW), c.s).toLowerCase() +
    ' | ' +
    nt.slice(c.e, c.e + AFTER_WINDOW).toLowerCase()
  );
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function addDenyList(
  nt: string,
  denyList: Partial<Record<EntityType, readonly string[]>>,
  out: Candidate[],
): void {
  const lower = nt.toLowerCase();
  for (const [type, terms] of Object.entries(denyList) as [
    EntityType,
    readonly string[] | undefined,
  ][]) {
    for (const raw of terms ?? []) {
      const term = raw.trim().toLowerCase();
      if (term.length === 0) continue;
      let k = lower.indexOf(term);
      while (k !== -1) {
        const e = k + term.length;
        const okBefore =
          k === 0 || !isWordCode(lower.charCodeAt(k - 1)) || !isWordCode(term.charCodeAt(0));
        const okAfter =
          e >= lower.length ||
          !isWordCode(lower.charCodeAt(e)) ||
          !isWordCode(term.charCodeAt(term.length - 1));
        if (okBefore && okAfter)
          out.push({ type, s: k, e, score: 1, validator: 'deny-list', check: undefined });
        k = lower.indexOf(term, e);
      }
    }
  }
}

/** Public projection: no normalized offsets. */
export function detect(text: string, options?: DetectOptions): Finding[] {
  return detectInternal(text, options).findings.map(({ type, start, end, score, validator }) => ({
    type,
    start,
    end,
    score,
    validator,
  }));
}
