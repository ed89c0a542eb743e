const STAR = 42; // '*'

/**
 * Whether `value` matches the policy glob `pattern`: `*` matches any run of characters,
 * line breaks included; every other character (`?`, `.`, `[` ...) matches only itself,
 * case-sensitively; the whole value must match.
 *
 * Values are subjects, groups and model names the caller controls, so matching must not
 * backtrack: translated to `.*` regexes, `*:*:*:*x` took seconds on 300 colons. This scan
 * only ever returns to the last star, which bounds it by pattern length × value length.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1; // index of the last star seen in the pattern
  let resume = 0; // where the value resumes when that star takes one more character
  while (v < value.length) {
    if (p < pattern.length && pattern.charCodeAt(p) === STAR) {
      star = p++;
      resume = v;
    } else if (p < pattern.length && pattern.charCodeAt(p) === value.charCodeAt(v)) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}
