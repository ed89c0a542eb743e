import type { EntityType } from './entities';
import { normalizeMap } from './normalize';

/** A deny-list term found in a text: its type and span (lower-cased text offsets). */
export interface DenyHit {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
}

type DenyList = Partial<Record<EntityType, readonly string[]>>;

/**
 * A term as the text it is searched in reads: detection reads a normalized copy (accents
 * stripped, look-alikes folded), where 'José' stands as 'Jose', and lower-cased.
 */
export function denyTerm(raw: string): string {
  return normalizeMap(raw.trim()).text.toLowerCase();
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/**
 * Every term of a deny list in one automaton (Aho–Corasick), so a text is read once whatever the
 * list's length: searching each term in each text cost terms × texts, and a request of 2,048
 * one-character texts under a 10,000-term list blocked the event loop for half a second.
 * Terms are read as denyTerm does and matched whole-word where they begin or end with a word character.
 */
const NONE: readonly number[] = [];

class DenyMatcher {
  private readonly types: EntityType[] = [];
  private readonly lengths: number[] = [];
  /** Transitions, keyed state × 65536 + character: one map for the automaton, not one a state. */
  private readonly edges = new Map<number, number>();
  private readonly fail: number[] = [0];
  /**
   * Terms ending at each state (its own: all as long as the state is deep), split by whether
   * their last character is a word character: those need a boundary after them, so a whole list
   * is skipped inside a word.
   */
  private readonly wordEnds: (readonly number[])[] = [NONE];
  private readonly otherEnds: (readonly number[])[] = [NONE];
  /**
   * The next state down the failure links with terms of each kind (0: none): the terms that end
   * here too, shorter, read by following the links. Copying them into each state took memory
   * growing with a term's length times the terms nested in it (a term of 1,000 dashes under
   * dashes of every length: 500,000 entries for one term).
   */
  private readonly wordLink: number[] = [0];
  private readonly otherLink: number[] = [0];

  constructor(list: DenyList) {
    // Each state's transitions while building, for the breadth-first pass below.
    const children: [c: number, to: number][][] = [[]];
    for (const [type, raw] of Object.entries(list) as [EntityType, readonly string[]][]) {
      for (const r of raw ?? []) {
        const term = denyTerm(r);
        if (term.length === 0) continue;
        const i = this.types.length;
        this.types.push(type);
        this.lengths.push(term.length);
        let state = 0;
        for (let k = 0; k < term.length; k++) {
          const c = term.charCodeAt(k);
          let to = this.edges.get(state * 0x10000 + c);
          if (to === undefined) {
            to = this.fail.length;
            this.fail.push(0);
            this.wordEnds.push(NONE);
            this.otherEnds.push(NONE);
            this.wordLink.push(0);
            this.otherLink.push(0);
            children.push([]);
            this.edges.set(state * 0x10000 + c, to);
            children[state].push([c, to]);
          }
          state = to;
        }
        const ends = isWordCode(term.charCodeAt(term.length - 1)) ? this.wordEnds : this.otherEnds;
        ends[state] = [...ends[state], i];
      }
    }
    // Breadth first: a state's failure link is the longest proper suffix that is also a state,
    // and the terms ending there end here too (after this state's own, which are longer).
    const queue = children[0].map(([, to]) => to);
    for (let q = 0; q < queue.length; q++) {
      const state = queue[q];
      for (const [c, to] of children[state]) {
        let f = this.fail[state];
        while (f !== 0 && !this.edges.has(f * 0x10000 + c)) f = this.fail[f];
        const link = this.edges.get(f * 0x10000 + c);
        const back = link !== undefined && link !== to ? link : 0;
        this.fail[to] = back;
        this.wordLink[to] = this.wordEnds[back].length > 0 ? back : this.wordLink[back];
        this.otherLink[to] = this.otherEnds[back].length > 0 ? back : this.otherLink[back];
        queue.push(to);
      }
    }
  }

  /**
   * The whole-word occurrences of the terms in `lower` (a lower-cased text): of those of a type
   * ending at one place, the longest and the shortest. The others lie inside the longest:
   * reporting them all made a text of 200,000 dashes under dashes of every length up to 160 hold
   * 32 million hits, and the process ran out of memory. The shortest stays so a neighbour that
   * takes part of the longest leaves no gap.
   */
  find(lower: string): DenyHit[] {
    const hits: DenyHit[] = [];
    // Per type, the starts of the longest and the shortest term ending at the current place.
    const longest = new Map<EntityType, number>();
    const shortest = new Map<EntityType, number>();
    /** Notes `ends`' terms ending at `end`; returns `next`, the state to read after. */
    const take = (ends: readonly number[], end: number, next: number): number => {
      for (const i of ends) {
        const start = end - this.lengths[i];
        // A term starting with a word character needs no word character before it.
        if (
          start > 0 &&
          isWordCode(lower.charCodeAt(start)) &&
          isWordCode(lower.charCodeAt(start - 1))
        )
          continue;
        if (!longest.has(this.types[i])) longest.set(this.types[i], start);
        shortest.set(this.types[i], start);
      }
      return next;
    };
    let state = 0;
    for (let k = 0; k < lower.length; k++) {
      const c = lower.charCodeAt(k);
      while (state !== 0 && !this.edges.has(state * 0x10000 + c)) state = this.fail[state];
      state = this.edges.get(state * 0x10000 + c) ?? 0;
      if (state === 0) continue;
      const end = k + 1;
      for (let s = this.otherEnds[state].length > 0 ? state : this.otherLink[state]; s !== 0;)
        s = take(this.otherEnds[s], end, this.otherLink[s]);
      if (!isWordCode(lower.charCodeAt(end)))
        for (let s = this.wordEnds[state].length > 0 ? state : this.wordLink[state]; s !== 0;)
          s = take(this.wordEnds[s], end, this.wordLink[s]);
      if (longest.size === 0) continue;
      for (const [type, start] of longest) {
        hits.push({ type, start, end });
        const inner = shortest.get(type) ?? start;
        if (inner !== start) hits.push({ type, start: inner, end });
      }
      longest.clear();
      shortest.clear();
    }
    return hits;
  }
}

// Built once per list: policies hand the engine frozen lists, so a list is one object for its life.
const matchers = new WeakMap<DenyList, DenyMatcher>();
/**
 * The same lists by content, for callers that rebuild the list object per call (the masking
 * workers read it from each request message): the few a deployment's policies hold, kept
 * in the order last used.
 */
const byContent = new Map<string, DenyMatcher>();
const BY_CONTENT_MAX = 8;

function matcherFor(list: DenyList): DenyMatcher {
  let matcher = matchers.get(list);
  if (matcher !== undefined) return matcher;
  const content = JSON.stringify(list);
  matcher = byContent.get(content);
  if (matcher === undefined) {
    matcher = new DenyMatcher(list);
    if (byContent.size >= BY_CONTENT_MAX) byContent.delete(byContent.keys().next().value!);
  } else byContent.delete(content);
  byContent.set(content, matcher);
  matchers.set(list, matcher);
  return matcher;
}

/** The deny list's terms found in `lower`, whole-word, overlapping ones included (see find). */
export function findDenied(list: DenyList, lower: string): DenyHit[] {
  const matcher = matcherFor(list);
  return matcher.find(lower);
}

// Up to this many terms, each is searched with indexOf (native, fastest for a few terms); a longer
// list is read in one pass of its automaton, whose cost does not grow with the list.
const FEW_DENY_TERMS = 8;

/**
 * The deny list's terms found in `lower` (a lower-cased text), whole-word: the same hits either
 * way, as find reports them. Occurrences are searched from each one's next character, so a term
 * overlapping itself ("a-a" in "a-a-a") is found twice and masked whole, as the automaton does.
 */
export function denyHits(list: DenyList, lower: string): DenyHit[] {
  let count = 0;
  for (const terms of Object.values(list)) count += terms?.length ?? 0;
  if (count > FEW_DENY_TERMS) return findDenied(list, lower);
  // Per type and end: the starts of the longest and the shortest term ending there, in arrays
  // by end (made at a type's first hit), not a map keyed per hit: a self-overlapping or nested
  // term ("a a" in "a a a …") hits at every other character, and a string key each made a
  // megabyte of them ten times slower than the automaton.
  const hits: DenyHit[] = [];
  for (const [type, terms] of Object.entries(list) as [EntityType, readonly string[]][]) {
    let first: Int32Array | undefined;
    let last: Int32Array | undefined;
    let from = lower.length + 1;
    let to = 0;
    for (const raw of terms ?? []) {
      const term = denyTerm(raw);
      if (term.length === 0) continue;
      for (let k = lower.indexOf(term); k !== -1; k = lower.indexOf(term, k + 1)) {
        const e = k + term.length;
        const okBefore =
          k === 0 || !isWordCode(lower.charCodeAt(k - 1)) || !isWordCode(term.charCodeAt(0));
        const okAfter =
          e >= lower.length ||
          !isWordCode(lower.charCodeAt(e)) ||
          !isWordCode(term.charCodeAt(term.length - 1));
        if (!okBefore || !okAfter) continue;
        if (first === undefined || last === undefined) {
          first = new Int32Array(lower.length + 1).fill(-1);
          last = new Int32Array(lower.length + 1);
        }
        if (first[e] === -1) {
          first[e] = k;
          last[e] = k;
        } else if (k < first[e]) first[e] = k;
        else if (k > last[e]) last[e] = k;
        if (e < from) from = e;
        if (e > to) to = e;
      }
    }
    if (first === undefined || last === undefined) continue;
    for (let e = from; e <= to; e++) {
      if (first[e] === -1) continue;
      hits.push({ type, start: first[e], end: e });
      if (last[e] !== first[e]) hits.push({ type, start: last[e], end: e });
    }
  }
  return hits.sort((a, b) => a.end - b.end);
}
