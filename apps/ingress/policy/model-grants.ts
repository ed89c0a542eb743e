import { globMatch } from '@embargo/policy';

/**
 * A grant's `*` has never spanned a line break here, unlike in policy evaluation; no model
 * name needs one, so such names stay refused rather than widen what an exchanged token holds.
 */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** Roles grant model names or patterns such as `text-embedding-*`. */
export function grantMatcher(granted: readonly string[]): (model: string) => boolean {
  return (model) =>
    granted.includes(model) ||
    (!LINE_BREAK.test(model) && granted.some((g) => globMatch(g, model)));
}
